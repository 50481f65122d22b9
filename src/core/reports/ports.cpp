#include "core/reports/ports.hpp"

#include "core/common/names.hpp"

namespace mina {

namespace {

constexpr names::Table<Channel, 3> kChannels{{{Channel::web, "webb"}, {Channel::file, "fil"}, {Channel::api, "api"}}};

constexpr names::Table<SubmissionState, 4> kSubmissionStates{{{SubmissionState::validated, "kontrollerad"},
                                                              {SubmissionState::saved, "sparad"},
                                                              {SubmissionState::partly_saved, "delvis-sparad"},
                                                              {SubmissionState::nothing_saved, "inte-sparad"}}};

}  // namespace

std::string_view to_string(Channel c) { return names::name_of(kChannels, c); }
std::optional<Channel> parse_channel(std::string_view text) { return names::lookup(kChannels, text); }
std::string_view to_string(SubmissionState s) { return names::name_of(kSubmissionStates, s); }
std::optional<SubmissionState> parse_submission_state(std::string_view text) {
    return names::lookup(kSubmissionStates, text);
}

}  // namespace mina
