"""The fakes work with plain clients: `requests` for the Cloud API, `smtplib` for SMTP."""

import hashlib
import hmac
import json
import smtplib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path

import pytest
import redis
import requests
from django.core.mail import send_mail
from django.test import RequestFactory

from tests.factories import BusinessFactory
from tests.fakes.celery_worker import (
    BrokerDatabase,
    database_url_for,
    redis_db_of,
    redis_url_with_db,
    worker_environment,
)
from tests.fakes.fixtures import require_markers
from tests.fakes.whatsapp_cloud import (
    button_reply_event,
    combine_events,
    hang,
    ok,
    pair_rate_limited,
    post_webhook,
    rate_limited,
    server_error,
    signature_header,
    signed_webhook,
    status_event,
    text_message_event,
    unavailable,
    undeliverable,
    webhook_error,
    window_closed,
)

TO = "+55 11 98888-7777"


def send(fake, payload=None, *, token=None, path=None, timeout=5, **kwargs):
    body = payload or {"messaging_product": "whatsapp", "to": TO, "type": "text", "text": {"body": "Olá, João"}}
    return requests.post(
        f"{fake.base_url}{path}" if path else fake.messages_url,
        json=body,
        headers={"Authorization": f"Bearer {token or fake.token}"},
        timeout=timeout,
        **kwargs,
    )


def template(to=TO, name="lembrete"):
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": "pt_BR"}, "components": []},
    }


# --- WhatsApp Cloud API -----------------------------------------------------------------------


def test_a_send_is_answered_like_the_cloud_api_and_recorded(fake_whatsapp):
    assert fake_whatsapp.url == f"http://127.0.0.1:{fake_whatsapp.port}/v18.0"
    before = time.time()
    response = send(fake_whatsapp)

    assert response.status_code == 200
    body = response.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": TO, "wa_id": "5511988887777"}]
    [message] = body["messages"]
    assert message["id"].startswith("wamid.")

    [request] = fake_whatsapp.requests
    assert request.method == "POST"
    assert request.path == f"/v18.0/{fake_whatsapp.phone_number_id}/messages"
    assert request.headers["authorization"] == f"Bearer {fake_whatsapp.token}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json["text"]["body"] == "Olá, João"
    assert request.text == "Olá, João" and request.to == TO and request.type == "text"
    assert before <= request.time <= time.time()
    assert request.status == 200 and request.wamid == message["id"]


def test_every_send_gets_its_own_message_id_even_in_parallel(fake_whatsapp):
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: send(fake_whatsapp), range(24)))
    assert {response.status_code for response in responses} == {200}
    assert len({response.json()["messages"][0]["id"] for response in responses}) == 24
    assert len(fake_whatsapp.wait_for_requests(24, timeout=1)) == 24


@pytest.mark.parametrize("token", ["wrong", None])
def test_the_bearer_token_is_enforced(fake_whatsapp, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.post(fake_whatsapp.messages_url, json=template(), headers=headers, timeout=5)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 190 and error["type"] == "OAuthException" and error["fbtrace_id"]
    assert len(fake_whatsapp.requests) == 1  # recorded all the same


@pytest.mark.parametrize(
    ("reply", "status", "code"),
    [
        (rate_limited(), 429, 130429),
        (rate_limited(400), 400, 130429),
        (pair_rate_limited(), 400, 131056),
        (server_error(), 500, 2),
        (server_error(500, code=1), 500, 1),
        (unavailable(), 503, 2),
        (undeliverable(), 400, 131026),
        (window_closed(), 400, 131047),
    ],
)
def test_planned_errors_have_their_status_and_graph_body(fake_whatsapp, reply, status, code):
    fake_whatsapp.plan(reply)
    response = send(fake_whatsapp)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"].startswith(f"(#{code})") or code in (1, 2)
    assert error["type"] == "OAuthException"
    assert error["error_data"]["messaging_product"] == "whatsapp" and error["error_data"]["details"]
    assert error["fbtrace_id"]
    assert send(fake_whatsapp).status_code == 200  # the plan is used up: the default answers


def test_rate_limit_body_is_the_documented_one(fake_whatsapp):
    fake_whatsapp.plan(rate_limited())
    error = send(fake_whatsapp).json()["error"]
    assert error["message"] == "(#130429) Rate limit hit"
    assert server_error().error["message"] == "Service temporarily unavailable"
    assert undeliverable().error["message"] == "(#131026) Message undeliverable"
    assert window_closed().error["message"] == "(#131047) Re-engagement message"


def test_plans_answer_in_order_then_the_default(fake_whatsapp):
    fake_whatsapp.plan(rate_limited(), server_error(503), ok())
    fake_whatsapp.default = undeliverable()
    statuses = [send(fake_whatsapp).status_code for _ in range(4)]
    assert statuses == [429, 503, 200, 400]
    assert fake_whatsapp.planned == 0


def test_a_plan_entry_may_decide_from_the_request(fake_whatsapp):
    fake_whatsapp.plan(lambda request: undeliverable() if request.to.endswith("0000") else ok())
    assert send(fake_whatsapp, template(to="+5511900000000")).status_code == 400


def test_with_the_window_closed_text_fails_and_templates_pass(fake_whatsapp):
    fake_whatsapp.window_closed = True
    fake_whatsapp.plan(server_error())

    text = send(fake_whatsapp)
    assert text.status_code == 400 and text.json()["error"]["code"] == 131047
    assert fake_whatsapp.planned == 1  # the window check does not use up the plan
    assert send(fake_whatsapp, template()).status_code == 500  # the planned reply
    assert send(fake_whatsapp, template()).status_code == 200


def test_the_window_can_be_closed_for_some_numbers_only(fake_whatsapp):
    fake_whatsapp.window_closed = {"+55 11 98888-7777"}
    assert send(fake_whatsapp).status_code == 400
    other = {"messaging_product": "whatsapp", "to": "5511977776666", "type": "text", "text": {"body": "oi"}}
    assert send(fake_whatsapp, other).status_code == 200


def test_malformed_requests_are_refused_without_using_the_plan(fake_whatsapp):
    fake_whatsapp.plan(server_error())
    no_product = send(fake_whatsapp, {"to": TO, "type": "text", "text": {"body": "x"}})
    assert no_product.status_code == 400 and no_product.json()["error"]["code"] == 100
    bad_template = send(fake_whatsapp, {**template(), "template": {"name": "x"}})
    assert bad_template.status_code == 400
    wrong_phone = send(fake_whatsapp, path="/v18.0/999/messages")
    assert wrong_phone.status_code == 400 and wrong_phone.json()["error"]["code"] == 100
    wrong_version = send(fake_whatsapp, path=f"/v17.0/{fake_whatsapp.phone_number_id}/messages")
    assert wrong_version.status_code == 404
    assert fake_whatsapp.planned == 1
    assert len(fake_whatsapp.requests) == 4 and fake_whatsapp.sends == []


def test_mark_as_read_is_accepted(fake_whatsapp):
    fake_whatsapp.plan(server_error())
    response = send(fake_whatsapp, {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"})
    assert response.status_code == 200 and response.json() == {"success": True}
    assert fake_whatsapp.planned == 1 and fake_whatsapp.sends == []


def test_a_hung_request_waits_until_released(fake_whatsapp):
    fake_whatsapp.plan(hang())
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("response", send(fake_whatsapp, timeout=10)))
    thread.start()

    [request] = fake_whatsapp.wait_for_requests(1, timeout=5)
    assert not request.answered.wait(0.5)
    assert fake_whatsapp.hung_count == 1 and request.status is None

    fake_whatsapp.release_hung()
    thread.join(5)
    assert result["response"].status_code == 200
    assert request.answered.is_set() and request.status == 200 and fake_whatsapp.hung_count == 0


def test_a_hang_outlasts_the_client_timeout_then_answers_as_told(fake_whatsapp):
    fake_whatsapp.plan(hang(seconds=1.0, then=server_error()))
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        send(fake_whatsapp, timeout=0.3)
    assert time.monotonic() - started < 1.0
    [request] = fake_whatsapp.requests
    assert request.answered.wait(3)  # it gave its answer to nobody
    assert request.status == 500
    assert send(fake_whatsapp).status_code == 200  # the server is fine afterwards


def test_reset_forgets_requests_and_plans(fake_whatsapp):
    fake_whatsapp.plan(server_error())
    fake_whatsapp.window_closed = True
    send(fake_whatsapp, template())
    fake_whatsapp.plan(rate_limited())
    fake_whatsapp.reset()
    assert fake_whatsapp.requests == [] and fake_whatsapp.planned == 0 and fake_whatsapp.window_closed is False
    assert send(fake_whatsapp).status_code == 200


def test_waiting_for_requests_times_out_with_what_arrived(fake_whatsapp):
    send(fake_whatsapp)
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="waited 0.2s for 2 requests, got 1"):
        fake_whatsapp.wait_for_requests(2, timeout=0.2)
    assert time.monotonic() - started < 1


# --- webhooks ---------------------------------------------------------------------------------


def test_the_signature_covers_the_raw_utf8_body():
    secret = "segredo-do-app"
    payload = text_message_event("+55 11 98888-7777", "Olá, João! Não posso às 10h", "wamid.IN1")
    body, header = signed_webhook(payload, secret)

    assert "Olá, João".encode() in body  # real UTF-8, not \u escapes
    assert json.loads(body) == payload
    assert header.startswith("sha256=")
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(header, expected)
    # The trap: re-serializing the parsed JSON changes the bytes, and the signature no longer matches.
    reserialized = json.dumps(json.loads(body)).encode()
    assert signature_header(reserialized, secret) != header


def test_post_webhook_sends_the_signed_bytes_unchanged():
    payload = button_reply_event("+5511988887777", "CONFIRM", "Confirmar ✅", "wamid.IN2", "wamid.OUT1")
    request = post_webhook(RequestFactory(), "/api/webhooks/whatsapp", payload, "s3cret")
    body, header = signed_webhook(payload, "s3cret")
    assert request.body == body
    assert request.META["HTTP_X_HUB_SIGNATURE_256"] == header
    assert request.content_type == "application/json"


def test_webhook_builders_have_the_cloud_api_shape():
    status = status_event(
        "wamid.OUT1", "failed", "+55 11 98888-7777", errors=[webhook_error(131026, "Message undeliverable")]
    )
    assert status["object"] == "whatsapp_business_account"
    [entry] = status["entry"]
    [change] = entry["changes"]
    assert change["field"] == "messages"
    value = change["value"]
    assert value["messaging_product"] == "whatsapp"
    assert set(value["metadata"]) == {"display_phone_number", "phone_number_id"}
    [item] = value["statuses"]
    assert item["id"] == "wamid.OUT1" and item["status"] == "failed" and item["recipient_id"] == "5511988887777"
    assert item["errors"][0]["code"] == 131026 and item["timestamp"].isdigit()

    text = text_message_event("+55 11 98888-7777", "Sim", "wamid.IN1", context_id="wamid.OUT1")
    [message] = text["entry"][0]["changes"][0]["value"]["messages"]
    assert message == {
        "from": "5511988887777",
        "id": "wamid.IN1",
        "timestamp": message["timestamp"],
        "type": "text",
        "text": {"body": "Sim"},
        "context": {"from": value["metadata"]["display_phone_number"], "id": "wamid.OUT1"},
    }
    assert text["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] == "5511988887777"

    legacy = button_reply_event("5511988887777", "CANCEL", "Cancelar", "wamid.IN3", "wamid.OUT1")
    [message] = legacy["entry"][0]["changes"][0]["value"]["messages"]
    assert message["type"] == "button" and message["button"] == {"payload": "CANCEL", "text": "Cancelar"}
    assert message["context"]["id"] == "wamid.OUT1"

    interactive = button_reply_event("5511988887777", "CANCEL", "Cancelar", "wamid.IN4", "wamid.OUT1", interactive=True)
    [message] = interactive["entry"][0]["changes"][0]["value"]["messages"]
    assert message["type"] == "interactive"
    assert message["interactive"] == {"type": "button_reply", "button_reply": {"id": "CANCEL", "title": "Cancelar"}}

    both = combine_events(status, legacy)
    assert len(both["entry"]) == 2


# --- SMTP -------------------------------------------------------------------------------------


def test_smtp_receives_a_utf8_message(smtp_server):
    message = EmailMessage()
    message["From"] = "AgendaZap <nao-responda@agendazap.local>"
    message["To"] = "João <joao@example.com>"
    message["Subject"] = "Olá, João: confirmação às 10h"
    message.set_content("Até amanhã!\nSalão da Conceição")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.send_message(message)

    [received] = smtp_server.wait_for(1, timeout=5)
    assert received.mail_from == "nao-responda@agendazap.local"
    assert received.rcpt_tos == ["joao@example.com"]
    assert received.subject == "Olá, João: confirmação às 10h"
    assert received.text == "Até amanhã!\nSalão da Conceição\n"
    assert str(received.message["To"]) == "João <joao@example.com>"


def test_django_smtp_backend_reaches_the_server(smtp_settings, smtp_server):
    send_mail("Lembrete: amanhã às 9h", "Olá, Márcia!", None, ["marcia@example.com"])
    [received] = smtp_server.wait_for(1, timeout=5)
    assert received.subject == "Lembrete: amanhã às 9h" and received.text.strip() == "Olá, Márcia!"


def test_smtp_refuses_a_chosen_recipient(smtp_server):
    smtp_server.refuse("gone@example.com")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail("a@example.com", ["gone@example.com"], b"Subject: x\r\n\r\nx")
        assert refused.value.recipients["gone@example.com"][0] == 550
        # Other recipients of the same message still get it.
        assert client.sendmail("a@example.com", ["ok@example.com", "Gone@example.com"], b"Subject: y\r\n\r\ny") == {
            "Gone@example.com": (550, b"5.1.1 Mailbox unavailable")
        }
    [received] = smtp_server.wait_for(1, timeout=5)
    assert received.rcpt_tos == ["ok@example.com"]


def test_smtp_can_fail_data_transiently(smtp_server):
    smtp_server.fail_next_data()
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPDataError) as failed:
            client.sendmail("a@example.com", ["b@example.com"], b"Subject: x\r\n\r\nx")
        assert failed.value.smtp_code == 451
        client.sendmail("a@example.com", ["b@example.com"], b"Subject: x\r\n\r\nx")
    assert len(smtp_server.wait_for(1, timeout=5)) == 1
    with pytest.raises(TimeoutError):
        smtp_server.wait_for(2, timeout=0.2)


# --- Redis ------------------------------------------------------------------------------------


def test_dedicated_redis_stops_and_starts_on_the_same_port(dedicated_redis):
    port = dedicated_redis.port
    client = dedicated_redis.client()
    client.set("k", "v")
    assert client.get("k") == b"v"

    dedicated_redis.stop()
    assert not dedicated_redis.ping()
    with pytest.raises(redis.ConnectionError):
        dedicated_redis.client().ping()

    dedicated_redis.start()
    assert dedicated_redis.port == port and dedicated_redis.url == f"redis://127.0.0.1:{port}/0"
    assert dedicated_redis.client().get("k") is None  # no persistence
    dedicated_redis.kill()
    assert not dedicated_redis.ping()
    dedicated_redis.restart()
    assert dedicated_redis.ping()


def test_redis_urls_keep_everything_but_the_database():
    assert redis_url_with_db("redis://:pw@host:6380/15", 14) == "redis://:pw@host:6380/14"
    assert redis_url_with_db("redis://host", 3) == "redis://host/3"
    assert redis_db_of("redis://host:6379/15") == 15 and redis_db_of("redis://host") == 0


@pytest.mark.redis
def test_redis_url_is_a_flushed_database_of_its_own(settings, redis_url):
    assert redis_db_of(redis_url) != redis_db_of(settings.REDIS_URL)
    client = redis.Redis.from_url(redis_url)
    assert client.dbsize() == 1 and client.exists(BrokerDatabase.LOCK_KEY)  # only the session's claim
    client.set("left-over", "1")
    # A second session cannot take the same database.
    other = BrokerDatabase.claim(settings.REDIS_URL, candidates=[redis_db_of(redis_url)] + list(range(13, 0, -1)))
    try:
        assert other.db != redis_db_of(redis_url)
    finally:
        other.release()


# --- the Celery worker ------------------------------------------------------------------------


def test_the_database_url_reaches_the_connections_database():
    url = database_url_for(
        {"ENGINE": "django.db.backends.postgresql", "NAME": "test_agendazap_gw0", "USER": "postgres", "PASSWORD": "",
         "HOST": "127.0.0.1", "PORT": 5432, "OPTIONS": {"sslmode": "disable"}}
    )  # fmt: skip
    assert url == "postgresql://postgres@127.0.0.1:5432/test_agendazap_gw0?sslmode=disable"
    url = database_url_for(
        {"ENGINE": "django.db.backends.postgresql", "NAME": "t", "USER": "u", "PASSWORD": "p@ss/word",
         "HOST": "/var/run/postgresql", "PORT": ""}
    )  # fmt: skip
    assert url == "postgresql://u:p%40ss%2Fword@%2Fvar%2Frun%2Fpostgresql/t"
    with pytest.raises(ValueError, match="PostgreSQL"):
        database_url_for({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})


def test_the_worker_environment_points_only_at_the_fakes(fake_whatsapp, smtp_server):
    env = worker_environment(
        database_url="postgresql://postgres@127.0.0.1:5432/test_agendazap",
        redis_url="redis://127.0.0.1:6379/14",
        whatsapp=fake_whatsapp,
        smtp=smtp_server,
        extra={"NOTIFICATIONS_MAX_ATTEMPTS": 2, "PATH_EXTRA": None},
        base={"PATH": "/usr/bin", "WHATSAPP_API_TOKEN": "prod", "SMTP_USERNAME": "x", "EMAIL_BACKEND": "y"},
    )
    assert env["DJANGO_SETTINGS_MODULE"] == "agendazap.settings" and env["ENVIRONMENT"] == "test"
    assert env["WHATSAPP_API_URL"] == fake_whatsapp.url and env["WHATSAPP_API_TOKEN"] == fake_whatsapp.token
    assert env["WHATSAPP_PHONE_NUMBER_ID"] == fake_whatsapp.phone_number_id
    assert env["WHATSAPP_BACKEND"] == "notifications.backends.whatsapp.CloudAPIBackend"
    assert (env["SMTP_SERVER"], env["SMTP_PORT"]) == ("127.0.0.1", str(smtp_server.port))
    assert env["SMTP_USE_TLS"] == env["SMTP_USE_SSL"] == "0"
    assert "SMTP_USERNAME" not in env and "EMAIL_BACKEND" not in env
    assert env["NOTIFICATIONS_RETRY_BASE_SECONDS"] == "1" and env["NOTIFICATIONS_CLAIM_SECONDS"] == "3"
    assert env["NOTIFICATIONS_MAX_ATTEMPTS"] == "2" and env["WHATSAPP_TIMEOUT_SECONDS"] == "5"


def test_whatsapp_settings_point_django_at_the_fake(whatsapp_settings, fake_whatsapp):
    from django.conf import settings

    assert settings.WHATSAPP_API_URL == fake_whatsapp.url
    assert settings.WHATSAPP_API_TOKEN == fake_whatsapp.token
    assert settings.WHATSAPP_BACKEND == "notifications.backends.whatsapp.CloudAPIBackend"
    assert settings.NOTIFICATIONS_CLAIM_SECONDS == 3 and settings.WHATSAPP_APP_SECRET


def _process_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in {"Z", "X"}


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_answers_ping_runs_tasks_and_can_be_killed(celery_worker, celery_broker):
    worker = celery_worker.start()
    assert worker.ping()
    assert f"{worker.name} ready." in worker.log
    assert "whatsapp_messages" in worker.log and "email_notifications" in worker.log  # its queues

    # The in-process app sends where the worker listens.
    celery_broker.app.send_task("celery.accumulate", args=(1, 2), queue="celery")
    succeeded = r"Task celery\.accumulate\[[-0-9a-f]+\] succeeded in [0-9.]+s: \(1, 2\)"
    worker.wait_for_log(succeeded, regex=True, timeout=15)

    pool = worker.pool_pids()
    assert pool
    worker.kill()
    assert not worker.alive and not worker.ping(timeout=0.5)
    assert all(_process_gone(pid) for pid in pool)

    second = celery_worker.start()
    assert second.name != worker.name and second.ping()
    second.stop()
    assert not second.alive


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_sees_the_test_database(celery_worker, celery_broker):
    from django.db import connection

    BusinessFactory(email="visto-pelo-worker@example.com")  # committed: the test is transactional
    worker = celery_worker.start(test_app=True)
    celery_broker.app.send_task("tests.fakes.db_probe", queue="celery")
    log = worker.wait_for_log(r"Task tests\.fakes\.db_probe\[[-0-9a-f]+\] succeeded", regex=True, timeout=20)
    assert "visto-pelo-worker@example.com" in log
    assert repr(connection.settings_dict["NAME"]) in log


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_task_of_a_killed_worker_goes_to_the_next_one(celery_worker, celery_broker):
    first = celery_worker.start(visibility_timeout=2)
    celery_broker.app.send_task("tests.fakes.sleep", args=(30, "only-once"), queue="celery")
    received = r"Task tests\.fakes\.sleep\[[-0-9a-f]+\] received"
    first.wait_for_log(received, regex=True, timeout=15)
    first.kill()  # mid-task: the message stays unacknowledged in Redis

    second = celery_worker.start(visibility_timeout=2)
    second.wait_for_log(received, regex=True, timeout=20)


def test_service_fixtures_insist_on_their_markers(request):
    with pytest.raises(pytest.fail.Exception, match=r"add @pytest.mark.redis @pytest.mark.postgres to .*test_servi"):
        require_markers(request, "redis", "postgres")
