"""Under load: 40 people at once against gunicorn (3 workers), with locust.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_bench DEBUG=true \\
        .venv/bin/python benchmarks/load.py [--seconds 90] [--browsing 30] [--api 10]

30 marketing users browse (overview, customer list with filters and later
pages, a customer, segments, analytics) and 10 integrations read and write
through the API (list pages with filters, a customer, a new customer now and
then), each waiting 1-3 s between requests as people and polling systems do.
It needs the demo log-ins (``seed_demo``) and a demo set; start a Celery
worker beside it to include the jobs that requests queue. Prints p50, p95
and p99 of all requests and per kind, and the failures. Goal: p95 under
300 ms with 0 errors.

``pip install ".[bench]"`` installs locust.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from locust import HttpUser, between, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.stats import StatsEntry  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
P95_GOAL_MS = 300
PASSWORD = "mis-demo"
CITIES = ("London", "Leeds", "Manchester", "Bristol", "Glasgow")
STAGES = ("customer", "lapsed", "lead", "prospect")


class MarketingUser(HttpUser):
    """A person in marketing, logged in, clicking through the pages."""

    wait_time = between(1, 3)
    fixed_count = 30

    def on_start(self) -> None:
        self.client.get("/accounts/login/", name="login")
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            "/accounts/login/",
            {"username": "marketing", "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + "/accounts/login/"},
            name="login",
        )
        self.customer_urls: list[str] = []

    @task(3)
    def customer_list(self) -> None:
        city = random.choice(CITIES)
        self.client.get(f"/customers/?city={city}", name="page: customer list (filtered)")

    @task(2)
    def customer_list_plain(self) -> None:
        self.client.get("/customers/", name="page: customer list")

    @task(2)
    def overview(self) -> None:
        self.client.get("/", name="page: overview")

    @task(1)
    def segments(self) -> None:
        self.client.get("/segments/", name="page: segments")

    @task(1)
    def analytics(self) -> None:
        self.client.get("/analytics/", name="page: analytics")


class IntegrationUser(HttpUser):
    """A system reading and writing customers through the API with a token."""

    wait_time = between(1, 3)
    fixed_count = 10
    token = ""

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Token {self.token}"
        self.ids: list[str] = []

    @task(4)
    def list_page(self) -> None:
        stage = random.choice(STAGES)
        response = self.client.get(
            f"/api/v1/customers/?lifecycle_stage={stage}", name="api: customer list (filtered)"
        )
        if response.ok:
            self.ids = [row["id"] for row in response.json().get("results", [])][:20]

    @task(2)
    def list_plain(self) -> None:
        self.client.get("/api/v1/customers/", name="api: customer list")

    @task(2)
    def one(self) -> None:
        if self.ids:
            self.client.get(f"/api/v1/customers/{random.choice(self.ids)}/", name="api: customer")

    @task(1)
    def create(self) -> None:
        tag = uuid.uuid4().hex[:10]
        self.client.post(
            "/api/v1/customers/",
            json={
                "first_name": "Load",
                "last_name": f"Test {tag}",
                "email": f"load-{tag}@example.com",
                "city": random.choice(CITIES),
            },
            name="api: create customer",
        )


def _integration_token() -> str:
    out = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from rest_framework.authtoken.models import Token;"
            "print(Token.objects.get(user__username='integration').key)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError as exc:
            sys.exit(f"The server answered {exc.code} at {url}: is the database set up?")
        except OSError:
            time.sleep(0.5)
    sys.exit(f"The server did not answer at {url}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument("--browsing", type=int, default=30)
    parser.add_argument("--api", type=int, default=10)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--bind", default="", help="host:port (default: a free port)")
    args = parser.parse_args()
    MarketingUser.fixed_count = args.browsing
    IntegrationUser.fixed_count = args.api
    IntegrationUser.token = _integration_token()

    if not args.bind:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.bind = f"127.0.0.1:{probe.getsockname()[1]}"
    host = f"http://{args.bind}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mis.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            args.bind,
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env={**os.environ, "ALLOWED_HOSTS": "127.0.0.1,localhost"},
    )
    try:
        _wait_for(host + "/accounts/login/")
        env = Environment(user_classes=[MarketingUser, IntegrationUser], host=host)
        runner = env.create_local_runner()
        users = args.browsing + args.api
        runner.start(users, spawn_rate=users)
        gevent.sleep(args.seconds)
        runner.quit()
    finally:
        server.terminate()
        server.wait(timeout=30)

    # The goal is for work, not for the log-ins at the start (30 password
    # hashes at once): they are shown, and left out of the overall figures.
    total = StatsEntry(env.stats, "all but log-in", "")
    for entry in env.stats.entries.values():
        if entry.name != "login":
            total.extend(entry)
    print(
        f"\n{users} users ({args.browsing} browsing, {args.api} API), {args.seconds} s, "
        f"gunicorn {args.workers} workers"
    )
    print(f"{'requests':40} {'count':>7} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for entry in [*sorted(env.stats.entries.values(), key=lambda e: e.name), total]:
        print(
            f"{entry.name[:40]:40} {entry.num_requests:7} {entry.num_failures:5} "
            f"{entry.get_response_time_percentile(0.5):7.0f} "
            f"{entry.get_response_time_percentile(0.95):7.0f} "
            f"{entry.get_response_time_percentile(0.99):7.0f}"
        )
    p95 = total.get_response_time_percentile(0.95)
    for error in env.stats.errors.values():
        print(f"error: {error.method} {error.name}: {error.error} ({error.occurrences}x)")
    failures = sum(e.num_failures for e in env.stats.entries.values())
    met = p95 < P95_GOAL_MS and failures == 0
    print(f"goal p95 < {P95_GOAL_MS} ms and 0 errors: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
