from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.test.utils import setup_test_environment


class Command(BaseCommand):
    help = "Fetch the home page, every section and the API as a demo user; fail if any breaks."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="manager")

    def handle(self, *args, username, **options):
        setup_test_environment()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}; run seed_demo first.")
        client = Client()
        client.force_login(user)
        pages = ("/", "/customers/", "/imports/", "/quality/", "/segments/", "/analytics/")
        pages += ("/insight/", "/governance/", "/api/v1/customers/")
        for url in pages:
            response = client.get(url)
            if response.status_code != 200:
                raise CommandError(f"GET {url} answered {response.status_code}.")
            self.stdout.write(f"GET {url} -> 200 ({len(response.content)} bytes)")
        self.stdout.write(self.style.SUCCESS("Smoke check passed."))
