"""Plans with the client (planering): goals in the client's own words, actions, referrals, requirements
that condition assistance (kept apart and tied to a decision and legal basis), the client's responses and
the follow-up ratings of usefulness."""
