"""Strategies for Lantern's own GraphQL scalars, which schemathesis cannot guess.

Loaded by tests/api/fuzz.rs through SCHEMATHESIS_HOOKS. Besides valid values, each
strategy also draws text that is not a date at all: the API must refuse it as bad
input, never fail on it.
"""

import datetime

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

not_a_date = st.text(max_size=12)

schemathesis.graphql.scalar(
    "NaiveDate",
    st.one_of(st.dates().map(datetime.date.isoformat), not_a_date).map(nodes.String),
)
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(
        st.datetimes(timezones=st.just(datetime.timezone.utc)).map(datetime.datetime.isoformat),
        not_a_date,
    ).map(nodes.String),
)
