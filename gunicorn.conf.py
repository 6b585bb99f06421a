"""gunicorn settings for lipvote. PORT, LIPVOTE_BIND and WEB_CONCURRENCY override the defaults."""

import multiprocessing
import os

bind = os.environ.get("LIPVOTE_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() * 2)))
worker_class = "sync"
timeout = 60
graceful_timeout = 20
# Workers are recycled now and then so a slow leak can never build up in a long meeting. The
# jitter is wide so that the workers of a small pool are not all recycled in the same second
# (with 2000 +- 200, two workers under even load restarted together: a 1.5-2 s stall).
max_requests = 5000
max_requests_jitter = 2500
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LIPVOTE_LOG_LEVEL", "info")
# Never forward tracebacks to clients; Flask's error handlers answer every error page.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27 opens a control socket in the user's home by default, shared by every instance of
# the same user: one instance's shutdown removed another's. lipvote does not use it.
control_socket_disable = True
