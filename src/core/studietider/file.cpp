#include "core/studietider/file.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "core/common/csv.hpp"
#include "core/common/fingerprint.hpp"
#include "core/common/names.hpp"

namespace mina::studietider::file {

namespace {

constexpr std::array<std::string_view, kColumns> kHeaders{
    "Utbildningskod", "Utbildningens namn", "Nivå",      "Poängtyp", "Omfattning", "Distans", "Uppdragsutbildning",
    "Studietid",      "Första dag",         "Sista dag", "Poäng",    "Studietakt", "Lov",     "Status"};

/// The header words each column is known by, as search_words joins them with ' ' (lower case, no
/// å ä ö): the Swedish the download writes, shorter Swedish, and English.
const std::map<std::string, Column>& column_names() {
    static const std::map<std::string, Column> names{{"utbildningskod", Column::code},
                                                     {"kod", Column::code},
                                                     {"code", Column::code},
                                                     {"education code", Column::code},
                                                     {"utbildningens namn", Column::name},
                                                     {"utbildning", Column::name},
                                                     {"namn", Column::name},
                                                     {"name", Column::name},
                                                     {"education name", Column::name},
                                                     {"niva", Column::level},
                                                     {"level", Column::level},
                                                     {"poangtyp", Column::unit},
                                                     {"enhet", Column::unit},
                                                     {"credit unit", Column::unit},
                                                     {"unit", Column::unit},
                                                     {"omfattning", Column::total},
                                                     {"total", Column::total},
                                                     {"total credits", Column::total},
                                                     {"distans", Column::distance},
                                                     {"distansutbildning", Column::distance},
                                                     {"distance", Column::distance},
                                                     {"uppdragsutbildning", Column::contract},
                                                     {"uppdrag", Column::contract},
                                                     {"contract education", Column::contract},
                                                     {"contract", Column::contract},
                                                     {"studietid", Column::label},
                                                     {"termin", Column::label},
                                                     {"benamning", Column::label},
                                                     {"label", Column::label},
                                                     {"term", Column::label},
                                                     {"forsta dag", Column::first},
                                                     {"forsta dagen", Column::first},
                                                     {"first day", Column::first},
                                                     {"sista dag", Column::last},
                                                     {"sista dagen", Column::last},
                                                     {"last day", Column::last},
                                                     {"poang", Column::credits},
                                                     {"poang i perioden", Column::credits},
                                                     {"credits", Column::credits},
                                                     {"studietakt", Column::pace},
                                                     {"takt", Column::pace},
                                                     {"pace", Column::pace},
                                                     {"lov", Column::breaks},
                                                     {"breaks", Column::breaks},
                                                     {"holidays", Column::breaks},
                                                     {"status", Column::status}};
    return names;
}

std::string joined_words(std::string_view text, char sep) {
    std::string out;
    for (const auto& w : search_words(text)) {
        if (!out.empty()) out += sep;
        out += w;
    }
    return out;
}

using csv::trim;

/// What a spreadsheet cell holds, as the school meant it: trimmed, and without the quote mark the
/// download puts before a leading = + - @ and the like (csv::field) to keep it from being read as a
/// formula.
std::string cell(const csv::Row& row, const std::array<int, kColumns>& at, Column c) {
    const int i = at[static_cast<std::size_t>(c)];
    if (i < 0 || i >= static_cast<int>(row.fields.size())) return {};
    return csv::without_formula_guard(trim(row.fields[static_cast<std::size_t>(i)]));
}

/// Credits as a spreadsheet may write them: "1 500,5" with spaces (or no-break spaces) between
/// thousands.
std::optional<Credits> read_credits(std::string v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == ' ') continue;
        if (v.compare(i, 2, "\xC2\xA0") == 0) {
            ++i;
            continue;
        }
        out += v[i];
    }
    return parse_credits(out);
}

std::optional<bool> read_yes_no(const std::string& v) {
    const std::string w = joined_words(v, ' ');
    if (w.empty() || w == "nej" || w == "n" || w == "0" || w == "no" || w == "false") return false;
    if (w == "ja" || w == "j" || w == "x" || w == "1" || w == "yes" || w == "true") return true;
    return std::nullopt;
}

std::optional<Level> read_level(const std::string& v) {
    const std::string w = joined_words(v, '-');
    if (auto l = parse_level(w)) return l;
    if (w == "eftergymnasial-niva") return Level::eftergymnasial;
    return std::nullopt;
}

std::optional<CreditUnit> read_unit(const std::string& v) {
    const std::string w = joined_words(v, '-');
    if (auto u = parse_credit_unit(w)) return u;
    static const std::map<std::string, CreditUnit> aliases{{"hogskolepoang", CreditUnit::hp},
                                                           {"yh", CreditUnit::yh},
                                                           {"yrkeshogskolepoang", CreditUnit::yh},
                                                           {"komvux", CreditUnit::komvux},
                                                           {"komvuxpoang", CreditUnit::komvux},
                                                           {"timmar", CreditUnit::folkhogskola_hours},
                                                           {"timmar-vecka", CreditUnit::folkhogskola_hours}};
    if (auto it = aliases.find(w); it != aliases.end()) return it->second;
    return std::nullopt;
}

std::optional<Pace> read_pace(const std::string& v) {
    std::string w = joined_words(v, ' ');
    if (w == "under 50") return Pace::none;
    return parse_pace(w);
}

/// "YYYY-MM-DD/YYYY-MM-DD", several joined by ',' (spaces and an en dash between the days allowed).
std::optional<std::vector<DateRange>> read_breaks(const std::string& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == ' ') continue;
        if (v.compare(i, 3, "\xE2\x80\x93") == 0) {  // –
            s += '/';
            i += 2;
            continue;
        }
        s += v[i];
    }
    return parse_breaks(s);
}

bool same(const PeriodInput& a, const PeriodInput& b) {
    return a.label == b.label && a.first == b.first && a.last == b.last && a.credits == b.credits && a.pace == b.pace &&
           a.breaks == b.breaks;
}
bool same(const EducationInput& a, const EducationInput& b) {
    return a.name == b.name && a.level == b.level && a.unit == b.unit && a.total_credits == b.total_credits &&
           a.distance == b.distance && a.contract == b.contract;
}
EducationInput input_of(const Education& e) {
    return {e.code, e.name, e.level, e.unit, e.total_credits, e.distance, e.contract};
}

std::string credits_text(const std::optional<Credits>& c) {
    if (!c) return {};
    std::string s = to_string(*c);
    std::replace(s.begin(), s.end(), '.', ',');
    return s;
}

}  // namespace

std::string_view header_of(Column c) { return kHeaders.at(static_cast<std::size_t>(c)); }

int Plan::count(RowFate f) const {
    return static_cast<int>(std::count_if(rows.begin(), rows.end(), [f](const RowPlan& r) { return r.fate == f; }));
}

namespace {

using Columns = std::array<int, kColumns>;  // each column's index in the file (-1: absent)

std::size_t index(Column c) { return static_cast<std::size_t>(c); }

/// Every column by its name in the header row; unknown columns are left alone. Refused when a
/// column the rows need is missing.
std::variant<Columns, FileRefused> read_header(const csv::Row& header) {
    Columns at{};
    at.fill(-1);
    const auto& head = header.fields;
    for (int i = 0; i < static_cast<int>(head.size()); ++i) {
        const auto it = column_names().find(joined_words(head[static_cast<std::size_t>(i)], ' '));
        if (it != column_names().end() && at[index(it->second)] < 0) at[index(it->second)] = i;
    }
    std::vector<Column> missing;
    for (Column c : {Column::code, Column::name, Column::level, Column::unit, Column::total})
        if (at[index(c)] < 0) missing.push_back(c);
    if (at[index(Column::label)] >= 0)
        for (Column c : {Column::first, Column::last})
            if (at[index(c)] < 0) missing.push_back(c);
    if (!missing.empty()) return FileRefused{FileProblem::missing_columns, std::move(missing)};
    return at;
}

/// What is saved now, by code and by education.
struct Saved {
    explicit Saved(const Current& now_state) {
        for (const auto& e : now_state.educations) educations.emplace(e.code, &e);
        for (const auto& p : now_state.periods)
            if (!p.withdrawn_at) periods[p.education].push_back(&p);
    }
    std::map<std::string, const Education*> educations;
    std::map<std::int64_t, std::vector<const StudyPeriod*>> periods;  // not withdrawn
};

/// Reads the rows one after another, each against the saved state and the rows before it.
class RowReader {
   public:
    RowReader(const Columns& at, const Saved& saved, Date today) : at_(at), saved_(saved), today_(today) {}

    RowPlan read(const csv::Row& row) {
        RowPlan r;
        r.line = row.line;
        const Read read = read_education(row, r);
        place_education(r, read.values);
        read_period(row, r, read.unit);
        return r;
    }

   private:
    [[nodiscard]] std::string get(const csv::Row& row, Column c) const { return cell(row, at_, c); }
    static void bad(RowPlan& r, Column c) { r.issues.emplace_back(BadValue{c}); }

    struct Read {
        bool values = true;  // every value of the education could be read
        bool unit = true;    // its credit unit could be read
    };

    /// The education's values and their checks.
    Read read_education(const csv::Row& row, RowPlan& r) const {
        auto& e = r.education;
        e.code = get(row, Column::code);
        e.name = get(row, Column::name);
        r.code = e.code;
        r.name = e.name;
        if (auto l = read_level(get(row, Column::level))) e.level = *l;
        else bad(r, Column::level);
        Read read;
        if (auto u = read_unit(get(row, Column::unit))) {
            e.unit = *u;
        } else {
            bad(r, Column::unit);
            read.unit = false;
        }
        if (const auto t = get(row, Column::total); !t.empty()) {
            if (auto c = read_credits(t)) e.total_credits = c;
            else bad(r, Column::total);
        }
        if (auto d = read_yes_no(get(row, Column::distance))) e.distance = *d;
        else bad(r, Column::distance);
        if (auto c = read_yes_no(get(row, Column::contract))) e.contract = *c;
        else bad(r, Column::contract);
        read.values = r.issues.empty();
        if (read.values) {
            auto check = validate_education(e);
            for (auto p : check.errors) r.issues.emplace_back(p);
            r.education_warnings = std::move(check.warnings);
        }
        return read;
    }

    /// The education: new, changed or as saved; the same in every row of its code.
    void place_education(RowPlan& r, bool values_read) {
        const auto& e = r.education;
        const Education* existing = nullptr;
        if (auto it = saved_.educations.find(e.code); it != saved_.educations.end()) existing = it->second;
        if (existing && existing->withdrawn_at) r.issues.emplace_back(EducationWithdrawn{});
        if (existing) r.education_id = existing->id;
        const auto [first_it, first_of_code] = first_row_of_.try_emplace(e.code, Seen{r.line, e});
        if (!first_of_code) {
            if (values_read && !same(first_it->second.input, e))
                r.issues.emplace_back(DiffersFrom{first_it->second.line});
        } else if (!existing) {
            r.education_added = true;
        } else if (!same(input_of(*existing), e)) {
            r.education_changed = true;
        }
    }

    /// The period, if the row has one.
    void read_period(const csv::Row& row, RowPlan& r, bool unit_known) {
        const std::string label = get(row, Column::label);
        const std::string first = get(row, Column::first), last = get(row, Column::last);
        const std::string credits = get(row, Column::credits), pace = get(row, Column::pace);
        const std::string breaks = get(row, Column::breaks), status = get(row, Column::status);
        r.label = label;
        if (label.empty() && first.empty() && last.empty() && credits.empty() && pace.empty() && breaks.empty()) return;
        PeriodInput p;
        p.label = label;
        const std::size_t before = r.issues.size();
        if (auto d = parse_date(first)) p.first = *d;
        else bad(r, Column::first);
        if (auto d = parse_date(last)) p.last = *d;
        else bad(r, Column::last);
        if (!credits.empty()) {
            if (auto c = read_credits(credits)) p.credits = c;
            else bad(r, Column::credits);
        }
        if (!pace.empty()) {
            if (auto v = read_pace(pace)) p.pace = v;
            else bad(r, Column::pace);
        }
        if (auto b = read_breaks(breaks)) p.breaks = std::move(*b);
        else bad(r, Column::breaks);
        const std::string s = joined_words(status, ' ');
        if (s == "publicerad" || s == "publicera" || s == "published" || s == "publish" || s == "ja") r.publish = true;
        else if (!(s.empty() || s == "utkast" || s == "draft" || s == "nej")) bad(r, Column::status);
        if (r.issues.size() == before && unit_known) {
            auto assessment = assess_period(terms_of(r.education), p, today_);
            for (const auto& err : assessment.errors) r.issues.emplace_back(err);
            r.marks = std::move(assessment.marks);
            r.questions = std::move(assessment.questions);
        }
        if (auto [it, fresh] = labels_.try_emplace({r.education.code, label}, r.line); !fresh)
            r.issues.emplace_back(DuplicatePeriod{it->second});
        r.period = std::move(p);
    }

    struct Seen {
        int line;
        EducationInput input;
    };
    const Columns& at_;
    const Saved& saved_;
    Date today_;
    std::map<std::string, Seen> first_row_of_;                   // code -> the first row naming it
    std::map<std::pair<std::string, std::string>, int> labels_;  // (code, label) -> line
};

/// Which saved period each of one education's rows changes (by label), or that it adds one.
void match_saved(Plan& out, const std::vector<std::size_t>& indices, const std::vector<const StudyPeriod*>& kept,
                 std::set<const StudyPeriod*>& replaced) {
    for (std::size_t i : indices) {
        auto& r = out.rows[i];
        std::vector<const StudyPeriod*> match;
        for (const auto* p : kept)
            if (p->input.label == r.period->label) match.push_back(p);
        if (match.size() > 1) {
            r.issues.emplace_back(AmbiguousLabel{});
        } else if (match.size() == 1) {
            const auto* p = match.front();
            r.period_id = p->id;
            replaced.insert(p);
            r.period_changed = !same(p->input, *r.period);
            r.period_published = r.publish && (r.period_changed || p->changed || p->published_version == 0);
        } else {
            r.period_added = true;
            r.period_published = r.publish;
        }
    }
}

/// Overlaps: each row's period against the other rows' and the saved periods no row replaces.
void find_overlaps(Plan& out, const std::vector<std::size_t>& indices, const std::vector<const StudyPeriod*>& kept,
                   const std::set<const StudyPeriod*>& replaced) {
    std::vector<PeriodInput> others;
    for (std::size_t i : indices) {
        auto& r = out.rows[i];
        if (!r.issues.empty()) continue;
        others.clear();
        for (std::size_t j : indices)
            if (j != i && out.rows[j].period->first <= out.rows[j].period->last) others.push_back(*out.rows[j].period);
        for (const auto* p : kept)
            if (!replaced.contains(p)) others.push_back(p->input);
        if (auto label = find_overlap(*r.period, others)) r.issues.emplace_back(OverlapsPeriod{*label});
    }
}

/// Periods against the saved ones: which each row changes, and overlaps among what the education
/// will have once saved (its saved periods, as the file changes them, and the new).
void against_saved(Plan& out, const Saved& saved) {
    std::map<std::string, std::vector<std::size_t>> rows_of_code;
    for (std::size_t i = 0; i < out.rows.size(); ++i)
        if (out.rows[i].period) rows_of_code[out.rows[i].code].push_back(i);
    for (const auto& [code, indices] : rows_of_code) {
        std::vector<const StudyPeriod*> kept;
        if (auto it = saved.educations.find(code); it != saved.educations.end())
            if (auto ps = saved.periods.find(it->second->id); ps != saved.periods.end()) kept = ps->second;
        std::set<const StudyPeriod*> replaced;
        match_saved(out, indices, kept, replaced);
        find_overlaps(out, indices, kept, replaced);
    }
}

/// Each row's fate; a refused row adds and changes nothing.
void decide_fates(Plan& out) {
    for (auto& r : out.rows) {
        if (!r.issues.empty()) {
            r.fate = RowFate::refused;
            r.education_added = r.education_changed = r.period_added = r.period_changed = r.period_published = false;
        } else if (r.education_added || r.period_added) {
            r.fate = RowFate::added;
        } else if (r.education_changed || r.period_changed || r.period_published) {
            r.fate = RowFate::changed;
        } else {
            r.fate = RowFate::unchanged;
        }
    }
}

/// The plan's rows and the state it was made against: a change to any of the school's educations
/// or periods since the preview makes the plan a new one.
std::string fingerprint(const Plan& out, const Current& now_state) {
    Fingerprint fp;
    for (const auto& r : out.rows) {
        fp.add(std::int64_t{r.line}).add(std::int64_t{static_cast<int>(r.fate)}).add(r.code).add(r.label);
        fp.add(std::int64_t{r.education_added * 1 + r.education_changed * 2 + r.period_added * 4 +
                            r.period_changed * 8 + r.period_published * 16});
    }
    for (const auto& e : now_state.educations)
        fp.add(e.id).add(to_unix(e.updated_at)).add(std::int64_t{e.withdrawn_at.has_value()});
    for (const auto& p : now_state.periods)
        fp.add(p.id)
            .add(to_unix(p.updated_at))
            .add(std::int64_t{p.published_version})
            .add(std::int64_t{p.changed})
            .add(std::int64_t{p.withdrawn_at.has_value()});
    return fp.hex();
}

}  // namespace

std::variant<Plan, FileRefused> plan(std::string_view text, const Current& now_state, Date today) {
    auto parsed = csv::parse(text);
    if (std::holds_alternative<csv::Unreadable>(parsed)) return FileRefused{FileProblem::unreadable, {}};
    const auto& table = std::get<csv::Table>(parsed);
    if (table.rows.empty()) return FileRefused{FileProblem::empty, {}};
    auto header = read_header(table.rows.front());
    if (auto* refused = std::get_if<FileRefused>(&header)) return std::move(*refused);
    if (table.rows.size() == 1) return FileRefused{FileProblem::empty, {}};
    if (table.rows.size() - 1 > static_cast<std::size_t>(kMaxRows)) return FileRefused{FileProblem::too_many_rows, {}};

    const Saved saved(now_state);
    RowReader reader(std::get<Columns>(header), saved, today);
    Plan out;
    out.rows.reserve(table.rows.size() - 1);
    for (std::size_t i = 1; i < table.rows.size(); ++i) out.rows.push_back(reader.read(table.rows[i]));
    against_saved(out, saved);
    decide_fates(out);
    out.fingerprint = fingerprint(out, now_state);
    return out;
}

std::string write(const Current& now_state) {
    constexpr char d = ';';
    std::string out = "\xEF\xBB\xBF";  // the byte-order mark: Excel reads UTF-8 only with it
    for (std::size_t c = 0; c < kColumns; ++c) {
        if (c > 0) out += d;
        out += csv::field(kHeaders[c], d);
    }
    out += "\r\n";
    std::map<std::int64_t, std::vector<const StudyPeriod*>> periods;
    for (const auto& p : now_state.periods)
        if (!p.withdrawn_at) periods[p.education].push_back(&p);
    std::vector<const Education*> educations;
    for (const auto& e : now_state.educations)
        if (!e.withdrawn_at) educations.push_back(&e);
    std::sort(educations.begin(), educations.end(),
              [](const Education* a, const Education* b) { return a->code < b->code; });
    for (const Education* e : educations) {
        const std::string education = csv::field(e->code, d) + d + csv::field(e->name, d) + d +
                                      std::string(to_string(e->level)) + d + std::string(to_string(e->unit)) + d +
                                      credits_text(e->total_credits) + d + (e->distance ? "ja" : "nej") + d +
                                      (e->contract ? "ja" : "nej");
        auto ps = periods[e->id];
        std::sort(ps.begin(), ps.end(), [](const StudyPeriod* a, const StudyPeriod* b) {
            return std::tie(a->input.first, a->id) < std::tie(b->input.first, b->id);
        });
        if (ps.empty()) out += education + ";;;;;;;\r\n";
        for (const StudyPeriod* p : ps) {
            const auto& in = p->input;
            out += education + d + csv::field(in.label, d) + d + to_string(in.first) + d + to_string(in.last) + d +
                   credits_text(in.credits) + d + (in.pace ? std::string(to_string(*in.pace)) : std::string()) + d +
                   format_breaks(in.breaks) + d + (p->published_version > 0 && !p->changed ? "publicerad" : "utkast") +
                   "\r\n";
        }
    }
    return out;
}

}  // namespace mina::studietider::file
