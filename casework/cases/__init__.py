"""Cases: what the committee works on; one or more complaints about the same facts.

Where things are:
- models/        the tables (case, review, staff, search), re-exported by `models`; who may
                 do what on a case: `Case.can_view/can_work/can_assign/can_screen/can_take`
- workflow.py    the states, the table of transitions and who takes each, the checklist
- access.py      loading a case for a user (`case_or_404`, `load_case_for`)
- services.py    opening a case (its reference)
- transitions.py moving a case (`apply`, `take_action`), the checklist, status emails
- assignment.py  assigning a case to a member, their loads, declaring a conflict of interest
- conflicts.py   the conflict-of-interest checks (`has_conflict`, `conflicted_user_ids`)
- notes.py       internal notes and messages to the complainants
- accused.py     the accused candidate's right of reply
- merge.py       merging a case into another
- deadlines.py   deadlines per state and the secretaries' daily digest
- timeline.py    the case's records and timeline; page.py what the case page shows
- channels.py    the registry the channels (intake, hotline, mailin, evidence) fill from their
                 own case_hooks.py: cases imports no channel
- search.py      search documents; similar.py possible duplicates
- queries.py, queue_conditions.py, queue_paging.py, queue_filters.py, queue_views.py
                 the staff queue
- forms.py, views.py   the case page and the conflicts page
"""
