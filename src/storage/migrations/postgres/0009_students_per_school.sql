-- A school sees and changes only what it reported (issue [7] item 2, SPEC §4): a student's name is
-- each school's own record of the person, kept here per school; the person (the sealed number, its
-- lookup hash and a protected identity, which holds for every school) stays one row of `students`.
-- Every school that has an enrollment of a student keeps the name the student had (the one record
-- there was), and `students.name` is dropped: no school's name is kept where another could read it.
-- The PostgreSQL form of sqlite/0009_students_per_school.sql.
CREATE TABLE school_students (
    school_code  TEXT NOT NULL REFERENCES schools (code),
    student_id   BIGINT NOT NULL REFERENCES students (id),
    name         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (school_code, student_id)
);

INSERT INTO school_students (school_code, student_id, name, created_at, updated_at)
SELECT DISTINCT n.school_code, s.id, s.name, s.created_at, s.created_at
FROM students s JOIN enrollments n ON n.student_id = s.id
WHERE s.name <> '';

ALTER TABLE students DROP COLUMN name;
