"""A monitor execution's processing job (see ``jupyter_mlstudio.monitor.job``)."""

import sys

from jupyter_mlstudio.monitor.job import main

sys.exit(main())
