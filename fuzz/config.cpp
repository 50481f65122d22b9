// The configuration as `mina` reads it (app::parse_config: the file's text through toml++, then the
// MINA_<SECTION>_<KEY> environment). The input is the file's text, then optionally a NUL byte and
// NAME=VALUE lines: the environment. toml++ is compiled into this harness (header-only), so a path
// into its TOML_UNREACHABLE is found. Invariants: a refusal is one line; what `mina config show`
// prints reads back to the same.
#include <cstdint>
#include <map>
#include <string>

#include "app/config.hpp"

using namespace mina;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto nul = input.find('\0');
    const std::string_view text = input.substr(0, nul);
    std::map<std::string, std::string> vars;
    if (nul != std::string_view::npos) {
        std::string_view rest = input.substr(nul + 1);
        while (!rest.empty()) {
            const auto nl = rest.find('\n');
            const std::string_view line = rest.substr(0, nl);
            rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
            const auto eq = line.find('=');
            if (eq != std::string_view::npos) vars[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
        }
    }
    const app::Environment env = [&vars](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
    const auto loaded = app::parse_config(text, "fuzz.toml", env);
    if (!loaded.config) {
        if (loaded.error.empty() || loaded.error.find_first_of("\r\n") != std::string::npos) __builtin_trap();
        return 0;
    }
    const std::string shown = loaded.config->show();
    const auto again = app::parse_config(shown, "shown.toml", [](const std::string&) { return std::nullopt; });
    if (!again.config || again.config->show() != shown) __builtin_trap();
    return 0;
}
