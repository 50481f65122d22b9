-- Ansök om studiemedel finds educations by the beginnings of words (issue [5]): every word of the
-- school's code and name and of the education's code and name, lower-case and folded to plain
-- letters (studietider::index_words). A word typed is looked up as a range [word, word + U+10FFFF)
-- in this table's primary key (byte order: COLLATE "C"), so a search reads a few index pages
-- instead of every education. The store fills it as educations and schools change; the server
-- fills it at start when it is empty while educations exist (an upgrade from 0005, or a bulk load
-- beside the store).
CREATE TABLE education_search (
    word          TEXT COLLATE "C" NOT NULL,
    education_id  BIGINT NOT NULL REFERENCES educations (id),
    PRIMARY KEY (word, education_id)
);
CREATE INDEX education_search_education ON education_search (education_id);
