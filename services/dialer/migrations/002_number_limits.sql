-- dialer, second schema step: the most calls a number may carry at once
-- (PhoneNumber.max_concurrent; 0 means no limit of its own). The scheduler
-- paces by it; the dialer only stores and reports it.
ALTER TABLE phone_numbers
    ADD COLUMN max_concurrent integer NOT NULL DEFAULT 0 CHECK (max_concurrent >= 0);
