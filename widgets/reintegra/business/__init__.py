"""Economic reintegration in practice: the business-plan review exercise.

A case manager reviews a returnee's microbusiness plan before a grant is paid
in kind: each budget line (eligible or not, priced right against the local
market sheet), the plan's risks (saturated market, a missing authorisation,
running costs not covered for the first months, skills the activity needs,
the grant ceiling), and a decision (approve, approve with changes, refer to
training, refer to job placement).

* :mod:`.review` holds the pure logic: the reference review computed from the
  plan and the rules, and the feedback on a learner's review.
* :mod:`.synth` generates the synthetic plans and market sheets (seeded), written
  to ``datasets/business_plans.json`` by ``reintegra data``.

The rules (grant ceiling, price tolerance, months of running costs, eligible
categories) are the course's own, illustrative, and live in the data file.
"""
