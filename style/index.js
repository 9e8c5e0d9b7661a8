import './base.css';
import './runs.css';
import './badges.css';
import './jobs.css';
import './models.css';
import './endpoints.css';
import './wrangler.css';
import './home.css';
