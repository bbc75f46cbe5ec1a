"""Routing rules as pure functions: the most specific matching rule wins, whatever the order."""
from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from civicloop.routing import rules
from civicloop.routing.rules import Facts, Rule

GRID = "532503001001003"  # street 532503001, community 532503001001


def test_a_category_rule_in_a_street_beats_the_category_default():
    decision = rules.decide([Rule(1, "hwz", category="06010"),
                             Rule(2, "jd-001", category="06010", area="532503001")], Facts("06010", GRID))
    assert decision.department == "jd-001"


def test_an_exact_category_beats_a_group_even_in_a_smaller_area():
    decision = rules.decide([Rule(1, "cgj", group="06", area=GRID), Rule(2, "hwz", category="06010")],
                            Facts("06010", GRID))
    assert decision.department == "hwz"


def test_a_grid_beats_a_community_beats_a_street():
    found = [Rule(1, "street", group="06", area=GRID[:9]), Rule(2, "community", group="06", area=GRID[:12]),
             Rule(3, "grid", group="06", area=GRID)]
    assert rules.decide(found, Facts("06010", GRID)).department == "grid"
    assert rules.decide(found, Facts("06010", GRID[:12] + "999")).department == "community"
    assert rules.decide(found, Facts("06010", GRID[:9] + "999999")).department == "street"


def test_priority_and_supervision_overrides_apply_only_to_such_cases():
    found = [Rule(1, "hwz", category="06010"), Rule(2, "szgs", group="06", min_priority=3),
             Rule(3, "cgj", supervised_only=True)]
    assert rules.decide(found, Facts("06010", GRID, priority=1)).department == "hwz"
    assert rules.decide(found, Facts("06010", GRID, priority=3)).department == "szgs"
    assert rules.decide(found, Facts("06010", GRID, supervised=True)).department == "cgj"


def test_the_trace_says_why_each_rule_did_not_apply():
    found = [Rule(1, "a", category="06011"), Rule(2, "b", category="06010", area="532503102"),
             Rule(3, "c", category="06010", min_priority=2), Rule(4, "d", category="06010")]
    decision = rules.decide(found, Facts("06010", GRID))
    reasons = {rule.key: reason for rule, reason in decision.trace}
    assert decision.rule.key == 4
    assert reasons == {1: rules.NOT_CATEGORY, 2: rules.NOT_AREA, 3: rules.NOT_PRIORITY, 4: None}


def test_no_matching_rule_gives_no_department():
    assert rules.decide([Rule(1, "a", category="06011")], Facts("06010", GRID)).department is None


def test_equal_rules_prefer_the_older():
    found = [Rule(7, "newer", category="06010"), Rule(3, "older", category="06010")]
    assert rules.decide(found, Facts("06010", GRID)).department == "older"


def test_the_taxonomys_routes_and_defaults_apply_only_when_no_rule_matches():
    found = [Rule("06010*", "default", category="06010", source=rules.CATEGORY_DEFAULT),
             Rule("06010@street", "street route", category="06010", area=GRID[:9], source=rules.STREET_ROUTE),
             Rule(1, "group rule", group="06", area=GRID[:9])]
    assert rules.decide(found, Facts("06010", GRID)).department == "group rule"
    assert rules.decide(found[:2], Facts("06010", GRID)).department == "street route"
    assert rules.decide(found[:2], Facts("06010", "532503102001001")).department == "default"


def test_impossible_rules_are_refused():
    assert rules.rule_problem(category="06010", group="06", area="", min_priority=None)
    assert rules.rule_problem(category="", group="6", area="", min_priority=None)
    assert rules.rule_problem(category="", group="", area="53250300", min_priority=None)
    assert rules.rule_problem(category="", group="", area="", min_priority=1)
    assert rules.rule_problem(category="06010", group="", area=GRID, min_priority=3) is None


CATEGORIES = ["06010", "06011", "09005", "01001"]
AREAS = ["", "532503001", "532503102", "532503001001", "532503001002", GRID, "532503001001004"]
GRIDS = [GRID, "532503001001004", "532503001002001", "532503102001001"]

rule_strategy = st.builds(
    lambda key, dept, cat, grp, area, prio, sup: Rule(key, dept, category=cat if not grp else "",
                                                      group=grp, area=area, min_priority=prio, supervised_only=sup),
    st.integers(1, 10_000), st.sampled_from(["a", "b", "c", "d"]), st.sampled_from([""] + CATEGORIES),
    st.sampled_from(["", "", "06", "09"]), st.sampled_from(AREAS), st.sampled_from([None, None, 2, 3]), st.booleans())
facts_strategy = st.builds(Facts, st.sampled_from(CATEGORIES), st.sampled_from(GRIDS), st.integers(1, 3), st.booleans())


@given(st.lists(rule_strategy, max_size=25, unique_by=lambda r: r.key), facts_strategy, st.randoms())
def test_the_winner_matches_and_nothing_more_specific_does_whatever_the_order(found, facts, rnd):
    decision = rules.decide(found, facts)
    shuffled = list(found)
    rnd.shuffle(shuffled)
    assert rules.decide(shuffled, facts).rule == decision.rule
    matching = [r for r in found if rules.why_not(r, facts) is None]
    if decision.rule is None:
        assert matching == []
        return
    assert rules.why_not(decision.rule, facts) is None
    assert all(r.specificity() <= decision.rule.specificity() for r in matching)


@given(st.lists(rule_strategy, max_size=25, unique_by=lambda r: r.key), facts_strategy)
def test_looking_only_at_the_category_candidates_changes_nothing(found, facts):
    assert rules.decide(rules.candidates(found, facts), facts).rule == rules.decide(found, facts).rule


def test_random_orders_give_one_answer():
    found = [Rule(i, f"d{i % 3}", group="06", area=AREAS[i % len(AREAS)]) for i in range(30)]
    answers = {rules.decide(random.Random(seed).sample(found, len(found)), Facts("06010", GRID)).rule.key
               for seed in range(20)}
    assert len(answers) == 1
