"""Real local stand-ins for the services the notification code talks to.

- `whatsapp_cloud`: an HTTP server speaking the WhatsApp Cloud API send endpoint, plus
  builders and a signer for webhook payloads.
- `smtp`: an aiosmtpd server that records what it receives.
- `celery_worker`: a real `celery worker` subprocess pointed at the test database.
- `redis_server`: a dedicated `redis-server` that a test may stop and start again.
- `fixtures`: the pytest fixtures built on these (imported by the conftests that use them).
"""
