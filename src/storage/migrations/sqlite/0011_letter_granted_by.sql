-- Who gave the access a letter announces (issue [9] item 12): 'school' (the school's authorization
-- administrator) or 'agency' (the agency's staff or operators), so that the letter names the agency
-- when the agency appointed the person. Letters queued before were worded for the school.
ALTER TABLE letters ADD COLUMN granted_by TEXT NOT NULL DEFAULT 'school' CHECK (granted_by IN ('school', 'agency'));
