-- Fills a mina SQLite database (already migrated, e.g. by `mina admin demo`) with the public-search
-- data set of bench/studietider.sh: schools, each with educations, each with four published study
-- periods (HT2026, VT2027, HT2027, VT2028; version 1, unchanged since).
--
-- The caller defines the sizes first, in the same sqlite3 session:
--   CREATE TEMP TABLE bench_size AS SELECT 2000 AS schools, 50 AS per_school;
-- per_school must be at most 60 (the size of the name vocabulary, so a school's names are distinct).
--
-- Schools: code SK0001.., name "<pattern> <town> <n>" with 100 towns, n = 1..20, e.g.
-- "Folkhögskolan i Kiruna 17", "Umeå universitet 3", "Yrkeshögskolan Visby 12" (unique).
-- Educations: code EDU-0001.. (unique across the data set, consecutive within a school), a name from
-- 60 programmes (school k takes 50 consecutive ones, starting at 7k mod 60), 120 hp, eftergymnasial,
-- every fifth one on distance.
-- Periods: 30 hp over 20 calendar weeks each (100 %, 20 paid weeks), no breaks.
-- Days are 'YYYY-MM-DD', credits hundredths, times Unix seconds (as the migrations say).
BEGIN;

CREATE TEMP TABLE bench_towns (i INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO bench_towns (i, name) VALUES
 (0,'Kiruna'),(1,'Gällivare'),(2,'Luleå'),(3,'Piteå'),(4,'Boden'),(5,'Haparanda'),(6,'Skellefteå'),
 (7,'Umeå'),(8,'Lycksele'),(9,'Örnsköldsvik'),(10,'Sollefteå'),(11,'Kramfors'),(12,'Härnösand'),
 (13,'Sundsvall'),(14,'Östersund'),(15,'Hudiksvall'),(16,'Bollnäs'),(17,'Söderhamn'),(18,'Gävle'),
 (19,'Sandviken'),(20,'Falun'),(21,'Borlänge'),(22,'Ludvika'),(23,'Avesta'),(24,'Mora'),
 (25,'Leksand'),(26,'Karlstad'),(27,'Arvika'),(28,'Kristinehamn'),(29,'Säffle'),(30,'Västerås'),
 (31,'Köping'),(32,'Arboga'),(33,'Sala'),(34,'Uppsala'),(35,'Enköping'),(36,'Norrtälje'),
 (37,'Stockholm'),(38,'Södertälje'),(39,'Nynäshamn'),(40,'Eskilstuna'),(41,'Strängnäs'),
 (42,'Katrineholm'),(43,'Nyköping'),(44,'Örebro'),(45,'Karlskoga'),(46,'Norrköping'),
 (47,'Linköping'),(48,'Finspång'),(49,'Motala'),(50,'Mjölby'),(51,'Vadstena'),(52,'Jönköping'),
 (53,'Tranås'),(54,'Nässjö'),(55,'Värnamo'),(56,'Växjö'),(57,'Ljungby'),(58,'Älmhult'),
 (59,'Kalmar'),(60,'Oskarshamn'),(61,'Västervik'),(62,'Vimmerby'),(63,'Nybro'),(64,'Karlskrona'),
 (65,'Ronneby'),(66,'Karlshamn'),(67,'Sölvesborg'),(68,'Kristianstad'),(69,'Hässleholm'),
 (70,'Malmö'),(71,'Lund'),(72,'Ystad'),(73,'Simrishamn'),(74,'Eslöv'),(75,'Helsingborg'),
 (76,'Landskrona'),(77,'Höganäs'),(78,'Ängelholm'),(79,'Båstad'),(80,'Halmstad'),(81,'Falkenberg'),
 (82,'Varberg'),(83,'Kungsbacka'),(84,'Göteborg'),(85,'Kungälv'),(86,'Stenungsund'),(87,'Uddevalla'),
 (88,'Lysekil'),(89,'Strömstad'),(90,'Trollhättan'),(91,'Vänersborg'),(92,'Lidköping'),
 (93,'Skövde'),(94,'Mariestad'),(95,'Falköping'),(96,'Borås'),(97,'Ulricehamn'),(98,'Alingsås'),
 (99,'Visby');

CREATE TEMP TABLE bench_programmes (i INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO bench_programmes (i, name) VALUES
 (0,'Sjuksköterskeprogrammet'),(1,'Civilingenjör i datateknik'),(2,'Ekonomi A'),
 (3,'Svenska som andraspråk'),(4,'Programmering 1'),(5,'Socionomprogrammet'),
 (6,'Förskollärarprogrammet'),(7,'Civilingenjör i maskinteknik'),(8,'Ekonomi B'),
 (9,'Svenska 1'),(10,'Programmering 2'),(11,'Juristprogrammet'),(12,'Grundlärarprogrammet'),
 (13,'Högskoleingenjör i byggteknik'),(14,'Engelska 5'),(15,'Matematik 1a'),(16,'Webbutveckling 1'),
 (17,'Psykologprogrammet'),(18,'Ämneslärarprogrammet'),(19,'Civilingenjör i elektroteknik'),
 (20,'Engelska 6'),(21,'Matematik 2b'),(22,'Allmän kurs'),(23,'Läkarprogrammet'),
 (24,'Systemvetenskapliga programmet'),(25,'Fastighetsmäklarprogrammet'),(26,'Historia 1b'),
 (27,'Matematik 3c'),(28,'Allmän kurs med inriktning musik'),(29,'Arbetsterapeutprogrammet'),
 (30,'Fysioterapeutprogrammet'),(31,'Samhällskunskap 1b'),(32,'Naturkunskap 1b'),(33,'Skrivarlinjen'),
 (34,'Tandhygienistprogrammet'),(35,'Barnmorskeprogrammet'),(36,'Kemi 1'),(37,'Fysik 1a'),
 (38,'Musiklinjen'),(39,'Röntgensjuksköterskeprogrammet'),(40,'Ekonomprogrammet'),(41,'Biologi 1'),
 (42,'Psykologi 1'),(43,'Teaterlinjen'),(44,'Mjukvaruutvecklare .NET'),(45,'Redovisningsekonom'),
 (46,'Konst och form'),(47,'Journalistik'),(48,'Fotografi'),(49,'Fullstackutvecklare JavaScript'),
 (50,'Lönespecialist'),(51,'Keramik'),(52,'Textil och design'),(53,'Logistiker'),
 (54,'Undersköterska'),(55,'Barnskötare'),(56,'Elektriker'),(57,'Projektledare bygg'),
 (58,'Medicinsk sekreterare'),(59,'Kock och restaurang');

CREATE TEMP TABLE bench_terms (k INTEGER PRIMARY KEY, label TEXT, first_day TEXT, last_day TEXT);
INSERT INTO bench_terms VALUES
 (0, 'HT2026', '2026-08-31', '2027-01-17'),
 (1, 'VT2027', '2027-01-18', '2027-06-06'),
 (2, 'HT2027', '2027-08-30', '2028-01-16'),
 (3, 'VT2028', '2028-01-17', '2028-06-04');

CREATE TEMP TABLE bench_now AS SELECT CAST(strftime('%s', 'now') AS INTEGER) AS t;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < (SELECT schools FROM bench_size))
INSERT INTO schools (code, name, form, created_at, postal_address)
SELECT printf('SK%04d', n.i),
       CASE (n.i - 1) % 3
           WHEN 0 THEN 'Folkhögskolan i ' || t.name
           WHEN 1 THEN t.name || ' universitet'
           ELSE 'Yrkeshögskolan ' || t.name
       END || ' ' || ((n.i - 1) / 100 + 1),
       CASE (n.i - 1) % 3 WHEN 0 THEN 'folkhogskola' WHEN 1 THEN 'hogskola' ELSE 'yrkeshogskola' END,
       (SELECT t FROM bench_now),
       'Box ' || n.i || char(10) || printf('%03d %02d ', 100 + (n.i % 900), n.i % 100) || t.name
FROM n JOIN bench_towns t ON t.i = (n.i - 1) % 100;

WITH RECURSIVE j(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM j WHERE j + 1 < (SELECT per_school FROM bench_size)),
     s(code, no) AS (SELECT code, CAST(substr(code, 3) AS INTEGER) FROM schools WHERE code GLOB 'SK[0-9]*')
INSERT INTO educations (school_code, code, name, level, unit, total_credits, distance, contract, withdrawn_at,
                        created_at, updated_at)
SELECT s.code,
       printf('EDU-%04d', (s.no - 1) * (SELECT per_school FROM bench_size) + j.j + 1),
       p.name, 'eftergymnasial', 'hp', 12000, (j.j % 5 = 4), 0, NULL,
       (SELECT t FROM bench_now), (SELECT t FROM bench_now)
FROM s JOIN j JOIN bench_programmes p ON p.i = (s.no * 7 + j.j) % 60
ORDER BY s.no, j.j;

INSERT INTO study_periods (education_id, label, first_day, last_day, credits, pace, breaks, published_version,
                           changed, withdrawn_at, updated_at, updated_by)
SELECT e.id, t.label, t.first_day, t.last_day, 3000, NULL, '', 1, 0, NULL, (SELECT t FROM bench_now), 'bench'
FROM educations e JOIN bench_terms t
WHERE e.school_code GLOB 'SK[0-9]*'
ORDER BY e.id, t.k;

INSERT INTO study_period_versions (period_id, version, label, first_day, last_day, credits, pace, breaks, weeks,
                                   derived_pace, paid_weeks, published_at, published_by)
SELECT p.id, 1, p.label, p.first_day, p.last_day, p.credits, p.pace, p.breaks, 20, 100, 20, p.updated_at, 'bench'
FROM study_periods p JOIN educations e ON e.id = p.education_id
WHERE e.school_code GLOB 'SK[0-9]*'
ORDER BY p.id;

COMMIT;
