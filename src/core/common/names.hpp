// Stable text names of enum values, as tables of (value, name): for forms, files, JSON and the
// database, read back exactly as written.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace mina::names {

template <typename E, std::size_t N>
using Table = std::array<std::pair<E, std::string_view>, N>;

template <typename E, std::size_t N>
[[nodiscard]] constexpr std::optional<E> lookup(const Table<E, N>& table, std::string_view text) {
    for (const auto& [value, name] : table)
        if (name == text) return value;
    return std::nullopt;
}

template <typename E, std::size_t N>
[[nodiscard]] constexpr std::string_view name_of(const Table<E, N>& table, E value) {
    for (const auto& [v, name] : table)
        if (v == value) return name;
    return "?";
}

}  // namespace mina::names
