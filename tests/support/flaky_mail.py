"""A test email backend that fails: `FlakyBackend.failures` sends raise SMTPException, then it delivers
to `mail.outbox` like Django's locmem backend. Set `failures` per test (a large number: always fails)."""

from smtplib import SMTPException

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    failures = 0
    attempts = 0

    def send_messages(self, messages):
        FlakyBackend.attempts += 1
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise SMTPException("451 try again later")
        return super().send_messages(messages)
