import './base.css';
import './runs.css';
import './jobs.css';
import './models.css';
