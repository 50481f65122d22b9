// The kiosk's CAPTCHA (SPEC R5): five characters drawn as a PNG, and spoken as a WAV for people who
// cannot see the image.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mina::captcha {

/// Characters a person cannot mistake for one another (no 0/o, 1/l/i, ...). Holds every character
/// of the manual's examples nfa8p, 3edep and 5bx5g.
extern const std::string_view kAlphabet;
inline constexpr std::size_t kLength = 5;

/// A fresh answer: kLength characters of kAlphabet. `uniform(n)` returns a uniformly random number
/// below n from a CSPRNG.
[[nodiscard]] std::string random_answer(const std::function<std::uint32_t(std::uint32_t)>& uniform);

/// The answer drawn as a PNG (kWidth x kHeight): every character rotated and displaced at random,
/// with noise lines, legible to a person. Two draws of the same answer differ. Throws
/// std::runtime_error if the font cannot be loaded.
inline constexpr int kWidth = 200;
inline constexpr int kHeight = 70;
[[nodiscard]] std::string draw_png(std::string_view answer);

/// The answer spoken character by character by espeak-ng ("sv" Swedish, "en" English), as a 16-bit
/// mono WAV of a few seconds. Every character is its own espeak-ng run with a voice variant, speed and
/// pitch drawn at random, stretched, scaled and spaced at random; quiet babble and noise (together at least
/// 21 dB below the speech) lie underneath. Two downloads of one answer differ, so recordings of the
/// characters cannot be matched against it. Throws std::runtime_error when espeak-ng is missing or fails.
[[nodiscard]] std::string speak_wav(std::string_view answer, std::string_view lang);

/// For tests only, never served: the old sound, one espeak-ng run at 110 words a minute, the same every
/// time. A template matcher solves it (tests/unit/captcha_test.cpp shows that it does, and that it fails
/// on speak_wav). Said for one character, it is the attacker's template of that character.
[[nodiscard]] std::string speak_wav_plain(std::string_view answer, std::string_view lang);

}  // namespace mina::captcha
