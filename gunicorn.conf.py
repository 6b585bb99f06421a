"""gunicorn settings for lipvote. PORT, LIPVOTE_BIND and WEB_CONCURRENCY override the defaults."""

import multiprocessing
import os

bind = os.environ.get("LIPVOTE_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() * 2)))
worker_class = "sync"
timeout = 60
graceful_timeout = 20
# Workers are recycled now and then so a slow leak can never build up in a long meeting.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LIPVOTE_LOG_LEVEL", "info")
# Never forward tracebacks to clients; Flask's error handlers answer every error page.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
