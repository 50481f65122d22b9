// The statements of the statistics page ([10] item 6) that both stores run as written here: SQLite
// with its ?N placeholders, PostgreSQL with each ?N read as $N (sql/dollars.hpp). Each is one GROUP
// BY over a time range that an index covers (migrations 0012_statistics); a bucket is the time
// divided by ?size (integer division in both). One statement for every school and one for a school,
// so that each finds its index.
#pragma once

namespace mina::storage::sql {

// ?1 from, ?2 to, ?3 bucket size[, ?4 school]
inline constexpr char kReportsReceived[] =
    "SELECT reported_at / ?3 AS b, count(*) FROM report_events WHERE reported_at >= ?1 AND reported_at < ?2 "
    "GROUP BY b ORDER BY b";
inline constexpr char kReportsReceivedAt[] =
    "SELECT reported_at / ?3 AS b, count(*) FROM report_events WHERE school_code = ?4 AND reported_at >= ?1 "
    "AND reported_at < ?2 GROUP BY b ORDER BY b";

// ?1 kind, ?2 from, ?3 to, ?4 bucket size[, ?5 school]. A login or a lock is written for no school:
// it counts for the schools where its subject (a username) holds a grant.
inline constexpr char kAuditCounts[] =
    "SELECT at / ?4 AS b, count(*) FROM audit_log WHERE kind = ?1 AND at >= ?2 AND at < ?3 GROUP BY b ORDER BY b";
inline constexpr char kAuditCountsAt[] =
    "SELECT at / ?4 AS b, count(*) FROM audit_log WHERE kind = ?1 AND at >= ?2 AND at < ?3 "
    "AND (school_code = ?5 OR (school_code = '' AND subject IN "
    "(SELECT p.username FROM grants g JOIN persons p ON p.id = g.person_id WHERE g.school_code = ?5))) "
    "GROUP BY b ORDER BY b";

// ?1 from, ?2 to[, ?3 school]
inline constexpr char kMailStates[] =
    "SELECT status, count(*) FROM outbox WHERE created_at >= ?1 AND created_at < ?2 GROUP BY status ORDER BY status";
inline constexpr char kMailStatesAt[] =
    "SELECT status, count(*) FROM outbox WHERE created_at >= ?1 AND created_at < ?2 "
    "AND person_id IN (SELECT person_id FROM grants WHERE school_code = ?3) GROUP BY status ORDER BY status";

}  // namespace mina::storage::sql
