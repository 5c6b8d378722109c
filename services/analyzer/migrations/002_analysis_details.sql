-- analyzer, second step: what the service needs beyond the first schema to
-- answer analysis.get with the whole ocpb.Analysis and to republish
-- analysis.done for a call.ended delivered again: the attempt analysed,
-- the number dialled, the follow-up's grain and whether its time was
-- named, the retry's reason, the do-not-call evidence, the alternative
-- number as spoken, and the rules or model version.

ALTER TABLE analyses
    ADD COLUMN dispatch_id     text NOT NULL DEFAULT '',
    ADD COLUMN phone_e164      text NOT NULL DEFAULT '',
    ADD COLUMN grain           smallint NOT NULL DEFAULT 0 CHECK (grain BETWEEN 0 AND 6),
    ADD COLUMN time_explicit   boolean NOT NULL DEFAULT false,
    ADD COLUMN retry_reason    text NOT NULL DEFAULT '',
    ADD COLUMN dnc_evidence    text,
    ADD COLUMN alt_spoken      text,
    ADD COLUMN version         text NOT NULL DEFAULT '';

-- analysis.list with follow_up_only.
CREATE INDEX analyses_follow_up ON analyses (tenant_id, follow_up, created_at);
