// The portal after login (manual §2.2; SPEC R11, R12, R15, §4): resuming a session, choosing the
// school, preferences and logging out. Every answer is computed from the store, never from a menu.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/common/authz.hpp"
#include "core/common/ports.hpp"
#include "core/login/policy.hpp"
#include "core/login/ports.hpp"

namespace mina::portal {

/// Who is asking, resolved from the session cookie on every request.
struct Viewer {
    Session session;
    Person person;
    std::vector<SchoolAccess> access;  // schools with any grant, and the roles there
    bool agency_admin = false;

    /// The chosen school's access, if the person still holds a grant there.
    [[nodiscard]] const SchoolAccess* chosen() const;
    /// authz::may for this viewer: may they do `what` at `school`?
    [[nodiscard]] bool may(authz::Action what, std::string_view school) const {
        return authz::may(access, agency_admin, what, school);
    }
    friend bool operator==(const Viewer&, const Viewer&) = default;
};

enum class Choice { chosen, not_yours };

/// Does the viewer hold a role in policy.second_factor_roles in a session opened without a second
/// factor (its amr lacks "mfa")? Such a session is not resumed ([12]).
[[nodiscard]] bool short_of_factors(const Viewer& v, const PolicyConfig& policy);

/// Sessions are touched at most this often (or every quarter of the idle timeout, if shorter): the
/// idle clock has a one-minute grain, and a busy start page does not turn every read into a write.
inline constexpr Seconds kTouchGrain{60};

class Service final {
   public:
    Service(login::Store store, ports::Tokens& tokens, const PolicyConfig& policy)
        : store_(store), tokens_(tokens), policy_(policy) {}

    /// The viewer behind a cookie, or nothing when the session is unknown, idle for longer than
    /// `session_idle` or older than `session_absolute` (an expired session is deleted).
    [[nodiscard]] std::optional<Viewer> resume(const std::string& token, Timestamp now);
    /// Where resume's writes (the touch, an expired session's removal) may go instead of being
    /// committed at once: a caller that must not wait for the store (an I/O thread) queues them.
    using Later = std::function<void(std::function<void()>)>;
    /// The same, with the writes handed to `later`: the session is read, and decided on, at once.
    [[nodiscard]] std::optional<Viewer> resume(const std::string& token, Timestamp now, const Later& later);
    /// Resets the idle clock now (the "Fortsätt" of the timeout warning).
    void extend(const Viewer& v, Timestamp now);
    /// R11: "Vald skola" + "Byt". Only a school where the viewer holds a grant can be chosen.
    Choice choose_school(Viewer& v, const std::string& code, const ClientInfo& client, Timestamp now);
    /// Anpassa: language and default school.
    Choice save_preferences(Viewer& v, const std::string& lang, const std::string& default_school,
                            const ClientInfo& client, Timestamp now);
    /// Logga ut: the session ends on the server.
    void logout(const std::string& token, const ClientInfo& client, Timestamp now);
    /// Records that the viewer was refused `what` (a service or a tool): every refusal is audited.
    void record_refusal(const Viewer& v, const std::string& what, const ClientInfo& client, Timestamp now);
    /// Kontakta oss ([10] item 4): the authorization administrators (school-admin) of a school where
    /// the viewer holds a grant, by last name; nothing for any other school (the agency's staff see
    /// any school's).
    [[nodiscard]] std::vector<Person> school_admins(const Viewer& v, const std::string& school);
    /// Housekeeping: forget sessions that can no longer be resumed.
    int sweep(Timestamp now);

    /// When the session will end if idle, and at the latest.
    [[nodiscard]] Timestamp idle_deadline(const Session& s) const;

   private:
    /// Removes the session if it is (still) expired at `now`; its row as it is otherwise.
    std::optional<Session> expire_if_idle(const std::string& id_hash, Timestamp now);

    login::Store store_;
    ports::Tokens& tokens_;
    const PolicyConfig& policy_;
};

}  // namespace mina::portal
