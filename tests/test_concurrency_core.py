"""Row locks on PostgreSQL: admins demoting each other at the same moment never leave a business
without an active business admin."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from procurement.models import Member
from procurement.services import member_update
from tests.factories import BusinessFactory, MemberFactory

THREADS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_demotions_keep_one_business_admin():
    business = BusinessFactory()
    admins = [MemberFactory(business=business, is_business_admin=True) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    outcomes, errors = [], []

    def demote(member):
        try:
            barrier.wait()
            member_update(member=member, is_business_admin=False, acting_user=None)
            outcomes.append("demoted")
        except ValidationError:
            outcomes.append("refused")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=demote, args=(m,)) for m in admins]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors, errors
    assert outcomes.count("refused") == 1 and outcomes.count("demoted") == THREADS - 1
    assert Member.objects.filter(business=business, is_business_admin=True, is_active=True).count() == 1
