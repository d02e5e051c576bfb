/* csmetrics
description = """
The agent state vocabulary: which states are staffed, handling, available or
other staffed time (break, lunch, training, ...). State names are compared
trimmed and case-insensitively. A state listed as unstaffed is never counted,
even if it is also listed as handling or available; a state listed as both
handling and available counts as handling. Every state metric reads these
predicates, so the rule is stated once.
"""

[params."states.handling"]
type = "list"
default = ["on_contact", "acw"]
help = "States that are time spent working contacts (handling time)."

[params."states.available"]
type = "list"
default = ["available"]
help = "States that are idle and ready for a contact."

[params."states.unstaffed"]
type = "list"
default = ["offline", "logged_out"]
help = "States that are not staffed time; never counted. Every other state is staffed."
*/
create or replace temp macro csm_state_in(state_name, names) as
    list_contains(list_transform(names, lambda x: lower(trim(x))), state_name);

create or replace temp macro csm_staffed(state_name) as
    not csm_state_in(state_name, getvariable('states.unstaffed'));

create or replace temp macro csm_handling(state_name) as
    csm_staffed(state_name) and csm_state_in(state_name, getvariable('states.handling'));

create or replace temp macro csm_available(state_name) as
    csm_staffed(state_name)
    and not csm_state_in(state_name, getvariable('states.handling'))
    and csm_state_in(state_name, getvariable('states.available'));

create or replace temp macro csm_other_staffed(state_name) as
    csm_staffed(state_name)
    and not csm_state_in(state_name, getvariable('states.handling'))
    and not csm_state_in(state_name, getvariable('states.available'));
