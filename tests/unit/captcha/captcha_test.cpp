#include "captcha/captcha.hpp"

#include <gd.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <numbers>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace mina {
namespace {

using captcha::kAlphabet;
using captcha::kHeight;
using captcha::kLength;
using captcha::kWidth;

// ---------------------------------------------------------------------------------------------------
// random_answer

TEST(CaptchaAlphabet, HoldsTheManualsExamplesAndNoLookAlikes) {
    for (const char c : std::string_view("nfa8p3edep5bx5g")) EXPECT_NE(kAlphabet.find(c), std::string_view::npos) << c;
    for (const char c : std::string_view("0o1lijq9s")) EXPECT_EQ(kAlphabet.find(c), std::string_view::npos) << c;
    for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
        EXPECT_EQ(kAlphabet.find(kAlphabet[i]), i) << "duplicate " << kAlphabet[i];
        EXPECT_TRUE((kAlphabet[i] >= 'a' && kAlphabet[i] <= 'z') || (kAlphabet[i] >= '2' && kAlphabet[i] <= '9'));
    }
}

TEST(CaptchaAnswer, TakesEveryCharacterFromTheSuppliedUniform) {
    std::vector<std::uint32_t> asked;
    const std::vector<std::uint32_t> picks = {3, 0, 7, 19, 11};
    const std::string answer = captcha::random_answer([&](std::uint32_t n) {
        asked.push_back(n);
        return picks[asked.size() - 1];
    });
    ASSERT_EQ(asked.size(), kLength);
    for (const auto n : asked) EXPECT_EQ(n, kAlphabet.size());
    std::string expected;
    for (const auto k : picks) expected += kAlphabet[k];
    EXPECT_EQ(answer, expected);
}

TEST(CaptchaAnswer, IsFiveAlphabetCharactersAndCoversTheAlphabet) {
    std::mt19937 engine(42);
    std::string seen;
    for (int i = 0; i < 500; ++i) {
        const std::string answer = captcha::random_answer(
            [&](std::uint32_t n) { return std::uniform_int_distribution<std::uint32_t>(0, n - 1)(engine); });
        ASSERT_EQ(answer.size(), kLength);
        for (const char c : answer) {
            ASSERT_NE(kAlphabet.find(c), std::string_view::npos) << answer;
            if (seen.find(c) == std::string::npos) seen += c;
        }
    }
    EXPECT_EQ(seen.size(), kAlphabet.size());
}

TEST(CaptchaAnswer, RefusesAUniformThatOverflows) {
    EXPECT_THROW((void)captcha::random_answer([](std::uint32_t n) { return n; }), std::logic_error);
}

// ---------------------------------------------------------------------------------------------------
// draw_png

struct ImageDeleter {
    void operator()(gdImagePtr im) const { gdImageDestroy(im); }
};
using Image = std::unique_ptr<gdImage, ImageDeleter>;

Image decode(const std::string& png) {
    return Image(gdImageCreateFromPngPtr(static_cast<int>(png.size()), const_cast<char*>(png.data())));
}

int luminance(gdImagePtr im, int x, int y) {
    const int c = gdImageGetTrueColorPixel(im, x, y);
    return (((c >> 16) & 0xff) * 299 + ((c >> 8) & 0xff) * 587 + (c & 0xff) * 114) / 1000;
}

// Dark pixels (ink) in the columns [x0, x1).
int dark_pixels(gdImagePtr im, int x0, int x1) {
    int n = 0;
    for (int x = x0; x < x1; ++x)
        for (int y = 0; y < kHeight; ++y) n += luminance(im, x, y) < 90 ? 1 : 0;
    return n;
}

TEST(CaptchaPicture, IsAPngOfTheAdvertisedSize) {
    const std::string png = captcha::draw_png("nfa8p");
    ASSERT_GT(png.size(), 8u);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    const Image im = decode(png);
    ASSERT_TRUE(im);
    EXPECT_EQ(gdImageSX(im.get()), kWidth);
    EXPECT_EQ(gdImageSY(im.get()), kHeight);
}

TEST(CaptchaPicture, HasDarkInkOnALightGroundInEveryCharactersPlace) {
    const Image im = decode(captcha::draw_png("5bx5g"));
    ASSERT_TRUE(im);
    int light = 0;
    for (int x = 0; x < kWidth; ++x)
        for (int y = 0; y < kHeight; ++y) light += luminance(im.get(), x, y) > 200 ? 1 : 0;
    EXPECT_GT(light, kWidth * kHeight / 2) << "the background must be light";
    EXPECT_GT(dark_pixels(im.get(), 0, kWidth), 400) << "the characters must be dark";
    // Five slots of 35 px after a 12 px margin; each character's middle stays within a few px of its slot's.
    for (int i = 0; i < 5; ++i) {
        const int mid = 12 + 35 * i + 17;
        EXPECT_GT(dark_pixels(im.get(), mid - 8, mid + 8), 40) << "character " << i << " missing";
    }
}

TEST(CaptchaPicture, TwoDrawsOfOneAnswerDiffer) { EXPECT_NE(captcha::draw_png("3edep"), captcha::draw_png("3edep")); }

TEST(CaptchaPicture, RefusesCharactersOutsideTheAlphabet) {
    EXPECT_THROW((void)captcha::draw_png("nfa0p"), std::invalid_argument);
    EXPECT_THROW((void)captcha::draw_png(""), std::invalid_argument);
    EXPECT_THROW((void)captcha::draw_png("nfa8pn"), std::invalid_argument);
}

TEST(CaptchaPicture, DrawsFromSeveralThreadsAtOnce) {
    std::vector<std::thread> threads;
    std::vector<int> good(4, 0);
    for (std::size_t t = 0; t < good.size(); ++t)
        threads.emplace_back([&good, t] {
            for (int i = 0; i < 10; ++i) {
                const Image im = decode(captcha::draw_png("nfa8p"));
                if (im && dark_pixels(im.get(), 0, kWidth) > 400) ++good[t];
            }
        });
    for (auto& th : threads) th.join();
    for (const int g : good) EXPECT_EQ(g, 10);
}

// ---------------------------------------------------------------------------------------------------
// speak_wav

std::uint32_t le32(const std::string& s, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
        v |= static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
    return v;
}

TEST(CaptchaSound, IsAWavWithTheRightLengths) {
    const std::string wav = captcha::speak_wav("nfa8p", "sv");
    ASSERT_GT(wav.size(), 16u * 1024);  // five letters at a slow rate are seconds of audio
    EXPECT_EQ(wav.substr(0, 4), "RIFF");
    EXPECT_EQ(wav.substr(8, 4), "WAVE");
    EXPECT_EQ(le32(wav, 4), wav.size() - 8);
    EXPECT_EQ(wav.substr(36, 4), "data");
    EXPECT_EQ(le32(wav, 40), wav.size() - 44);
}

std::size_t open_fds() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
}

TEST(CaptchaSound, LeavesNoDescriptorAndNoChildBehind) {
    const std::size_t before = open_fds();
    for (int i = 0; i < 3; ++i) (void)captcha::speak_wav("5bx5g", "en");
    EXPECT_EQ(open_fds(), before);
    int status = 0;
    EXPECT_LE(::waitpid(-1, &status, WNOHANG), 0) << "an unreaped child";
}

TEST(CaptchaSound, SpeaksSwedishOrEnglish) {
    // The served sound differs every time; the plain one shows which voice each language gets.
    const std::string sv = captcha::speak_wav_plain("3edep", "sv");
    const std::string en = captcha::speak_wav_plain("3edep", "en");
    const std::string other = captcha::speak_wav_plain("3edep", "de");  // anything else is English
    EXPECT_EQ(en.substr(0, 4), "RIFF");
    EXPECT_NE(sv, en);
    EXPECT_EQ(other, en);
    EXPECT_EQ(captcha::speak_wav("3edep", "en").substr(0, 4), "RIFF");
}

TEST(CaptchaSound, TwoDownloadsOfOneAnswerDiffer) {
    const std::string one = captcha::speak_wav("nfa8p", "sv");
    const std::string two = captcha::speak_wav("nfa8p", "sv");
    EXPECT_NE(one, two);
}

TEST(CaptchaSound, RefusesCharactersOutsideTheAlphabet) {
    EXPECT_THROW((void)captcha::speak_wav_plain("a;rm", "en"), std::invalid_argument);
    EXPECT_THROW((void)captcha::speak_wav("nfa0p", "sv"), std::invalid_argument);
    EXPECT_THROW((void)captcha::speak_wav("-x", "sv"), std::invalid_argument);
    EXPECT_THROW((void)captcha::speak_wav("a;rm", "en"), std::invalid_argument);
    EXPECT_THROW((void)captcha::speak_wav("", "en"), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------------
// The attacker's template matcher (finding 14 of the hardening test): record every character of the
// alphabet once with espeak-ng's plain settings, cut the challenge where it falls silent, and take for
// each piece the recording that correlates best with it at any offset. It solved every old challenge.

using Samples = std::vector<float>;

// The samples of a 16-bit mono WAV with the canonical 44-byte header, at half the rate (pairs averaged:
// 11 kHz still holds what tells the characters apart, and halves the work).
Samples samples_of(const std::string& wav) {
    Samples out;
    for (std::size_t i = 44; i + 3 < wav.size(); i += 4) {
        const auto a = static_cast<std::int16_t>(le32(wav, i) & 0xffff);
        const auto b = static_cast<std::int16_t>(le32(wav, i) >> 16);
        out.push_back((static_cast<float>(a) + static_cast<float>(b)) / 65536.0F);
    }
    return out;
}

constexpr std::size_t kRate = 22050 / 2;

void fft(std::vector<std::complex<double>>& a, bool inverse) {
    const std::size_t n = a.size();
    for (std::size_t i = 1, j = 0; i < n; ++i) {
        std::size_t bit = n >> 1;
        for (; (j & bit) != 0; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) std::swap(a[i], a[j]);
    }
    for (std::size_t len = 2; len <= n; len <<= 1) {
        const double angle = 2 * std::numbers::pi / static_cast<double>(len) * (inverse ? 1 : -1);
        const std::complex<double> step(std::cos(angle), std::sin(angle));
        for (std::size_t i = 0; i < n; i += len) {
            std::complex<double> w(1);
            for (std::size_t k = 0; k < len / 2; ++k, w *= step) {
                const auto u = a[i + k];
                const auto v = a[i + k + len / 2] * w;
                a[i + k] = u + v;
                a[i + k + len / 2] = u - v;
            }
        }
    }
    if (inverse)
        for (auto& x : a) x /= static_cast<double>(n);
}

// What the matcher compares: for every 23 ms frame (hop 11.6 ms), the power in 32 bands up to 5.5 kHz in
// dB, down to 60 dB below the loudest band of the recording. Unlike the bare waveform this does not care
// about phase, nor about espeak-ng saying a character a little differently in each place of a list.
constexpr std::size_t kHop = 128;
constexpr std::size_t kWindow = 256;
constexpr std::size_t kBands = 32;
using Frame = std::array<float, kBands>;

std::vector<Frame> features(const Samples& x) {
    std::vector<Frame> out;
    for (std::size_t at = 0; at + kWindow <= x.size(); at += kHop) {
        std::vector<std::complex<double>> a(kWindow);
        for (std::size_t i = 0; i < kWindow; ++i)
            a[i] = x[at + i] * (0.5 - 0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(i) / kWindow));
        fft(a, false);
        Frame f{};
        for (std::size_t bin = 1; bin <= kWindow / 2; ++bin)
            f[(bin - 1) * kBands / (kWindow / 2)] += static_cast<float>(std::norm(a[bin]));
        out.push_back(f);
    }
    float loudest = 1e-12F;
    for (const auto& f : out)
        for (const float v : f) loudest = std::max(loudest, v);
    for (auto& f : out)
        for (float& v : f) v = 10.0F * std::log10(v + loudest * 1e-6F);
    return out;
}

struct Template {
    char c;
    std::vector<Frame> f;
    float quiet;  // its silence, laid where it does not reach
};

class Matcher {
   public:
    // The attacker's recordings: every character of the alphabet in every place, cut from the old sound
    // of "c, c, c, c, c" (espeak-ng says a character a little differently in each place of the list).
    explicit Matcher(std::string_view lang) {
        for (const char c : kAlphabet) {
            const Samples x = samples_of(captcha::speak_wav_plain(std::string(kLength, c), lang));
            const auto all = features(x);
            for (const auto& [from, to] : segments(x)) {
                Template t{c,
                           {all.begin() + static_cast<std::ptrdiff_t>(from / kHop),
                            all.begin() + static_cast<std::ptrdiff_t>(std::min(to / kHop, all.size()))},
                           0.0F};
                t.quiet = *std::min_element(all.front().begin(), all.front().end());
                for (const auto& f : all) t.quiet = std::min(t.quiet, *std::min_element(f.begin(), f.end()));
                templates_.push_back(std::move(t));
            }
        }
    }

    // Where the sound is loud: 10 ms frames above both 4 times the quietest tenth and 1/20 of the loudest,
    // runs closer than 150 ms joined, runs shorter than 50 ms dropped; of more than five, the five strongest.
    static std::vector<std::pair<std::size_t, std::size_t>> segments(const Samples& x) {
        constexpr std::size_t kFrame = kRate / 100;
        std::vector<double> level;
        for (std::size_t i = 0; i + kFrame <= x.size(); i += kFrame) {
            double e = 0;
            for (std::size_t k = i; k < i + kFrame; ++k) e += static_cast<double>(x[k]) * x[k];
            level.push_back(std::sqrt(e / kFrame));
        }
        if (level.empty()) return {};
        std::vector<double> sorted = level;
        std::sort(sorted.begin(), sorted.end());
        const double threshold = std::max(4 * sorted[sorted.size() / 10], sorted.back() / 20);
        std::vector<std::pair<std::size_t, std::size_t>> runs;  // in frames
        for (std::size_t f = 0; f < level.size(); ++f) {
            if (level[f] < threshold) continue;
            if (!runs.empty() && f - runs.back().second <= 15) runs.back().second = f + 1;
            else runs.emplace_back(f, f + 1);
        }
        std::erase_if(runs, [](const auto& r) { return r.second - r.first < 5; });
        const auto strength = [&](const auto& r) {
            double e = 0;
            for (std::size_t f = r.first; f < r.second; ++f) e += level[f] * level[f];
            return e;
        };
        if (runs.size() > kLength) {
            std::sort(runs.begin(), runs.end(),
                      [&](const auto& a, const auto& b) { return strength(a) > strength(b); });
            runs.resize(kLength);
            std::sort(runs.begin(), runs.end());
        }
        for (auto& [from, to] : runs) {
            from *= kFrame;
            to *= kFrame;
        }
        return runs;
    }

    // The characters it hears: for every segment, the template with the highest normalised
    // cross-correlation at any offset where the two overlap by at least half the shorter. The correlation
    // runs over both together (the template's silence where it does not reach): a short template that
    // fits a part of a longer character ("e" in "pe") scores no more than that part is worth.
    std::string guess(const std::string& wav) const {
        const Samples x = samples_of(wav);
        const auto all = features(x);
        std::string heard;
        for (const auto& [first, last] : segments(x)) {
            const std::size_t from = first / kHop;
            const std::size_t to = std::min(last / kHop, all.size());
            double best = -2.0;
            char pick = '?';
            for (const auto& t : templates_) {
                const std::size_t m = t.f.size();
                const std::size_t need = std::min(m, to - from) / 2;
                const std::size_t lo = from + need > m ? from + need - m : 0;
                for (std::size_t lag = lo; lag + need <= to; ++lag) {
                    const double r =
                        correlation(all, t, lag, std::min(lag, from), std::min(std::max(lag + m, to), all.size()));
                    if (r > best) {
                        best = r;
                        pick = t.c;
                    }
                }
            }
            heard += pick;
        }
        return heard;
    }

   private:
    // Pearson's correlation of the recording's frames [u0, u1) with the template laid at `lag`.
    static double correlation(const std::vector<Frame>& all, const Template& t, std::size_t lag, std::size_t u0,
                              std::size_t u1) {
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n = 0;
        for (std::size_t f = u0; f < u1; ++f) {
            const bool inside = f >= lag && f - lag < t.f.size();
            for (std::size_t b = 0; b < kBands; ++b) {
                const double a = all[f][b];
                const double v = inside ? t.f[f - lag][b] : t.quiet;
                sa += a;
                sb += v;
                saa += a * a;
                sbb += v * v;
                sab += a * v;
                n += 1;
            }
        }
        const double cov = sab - sa * sb / n;
        const double var = (saa - sa * sa / n) * (sbb - sb * sb / n);
        return var > 1e-12 ? cov / std::sqrt(var) : -1.0;
    }

    std::vector<Template> templates_;
};

struct Score {
    int solved = 0;
    int characters = 0;  // of 5 * challenges, recognised in their place
    int segmented = 0;   // challenges cut into exactly five pieces
};

Score attack(Matcher& matcher, std::string_view lang, int challenges, bool plain, std::mt19937& engine) {
    Score score;
    for (int i = 0; i < challenges; ++i) {
        const std::string answer = captcha::random_answer(
            [&](std::uint32_t n) { return std::uniform_int_distribution<std::uint32_t>(0, n - 1)(engine); });
        const std::string wav = plain ? captcha::speak_wav_plain(answer, lang) : captcha::speak_wav(answer, lang);
        const std::string heard = matcher.guess(wav);
        score.solved += heard == answer ? 1 : 0;
        score.segmented += heard.size() == answer.size() ? 1 : 0;
        for (std::size_t k = 0; k < std::min(heard.size(), answer.size()); ++k)
            score.characters += heard[k] == answer[k] ? 1 : 0;
    }
    return score;
}

// The old sound falls to the matcher, every challenge of it; the served one almost never. The matcher still
// picks about half the characters of the served sound (chance is one in twenty: espeak-ng's letters are
// distinct, as they must be for a person), but all five of a challenge only about one time in twenty.
TEST(CaptchaSoundAttack, TemplateMatchingSolvesThePlainSoundButNotTheServedOne) {
    std::mt19937 engine(7);
    constexpr int kChallenges = 10;
    int solved = 0;
    int characters = 0;
    for (const std::string_view lang : {"sv", "en"}) {
        Matcher matcher(lang);
        const Score plain = attack(matcher, lang, kChallenges, true, engine);
        EXPECT_GE(plain.solved, kChallenges - 1)
            << lang << ": the matcher must work, or its failure below proves nothing";
        const Score varied = attack(matcher, lang, kChallenges, false, engine);
        std::cout << "[          ] " << lang << ": plain " << plain.solved << "/" << kChallenges << " solved, "
                  << plain.characters << "/" << 5 * kChallenges << " characters; varied " << varied.solved << "/"
                  << kChallenges << " solved, " << varied.characters << "/" << 5 * kChallenges << " characters, "
                  << varied.segmented << " cut into five\n";
        // Not a failure of cutting alone: the characters stand apart, and the matcher finds five in most.
        EXPECT_GE(varied.segmented, kChallenges / 2) << lang;
        solved += varied.solved;
        characters += varied.characters;
    }
    EXPECT_LT(solved, 4) << "of 20 served challenges (about 1 expected; 4 or more by chance about 1 run in 100)";
    EXPECT_LT(characters, 70) << "of 100 characters of the served sound";
}

// posix_spawnp searches PATH: pointing it at a directory of our own makes espeak-ng missing, or a fake one.
// No other thread runs during these tests.
class ScopedPath final {
   public:
    explicit ScopedPath(const std::string& path) {
        if (const char* old = std::getenv("PATH")) saved_ = old;
        ::setenv("PATH", path.c_str(), 1);
    }
    ScopedPath(const ScopedPath&) = delete;
    ScopedPath& operator=(const ScopedPath&) = delete;
    ~ScopedPath() {
        if (saved_) ::setenv("PATH", saved_->c_str(), 1);
        else ::unsetenv("PATH");
    }

   private:
    std::optional<std::string> saved_;
};

// A directory holding a fake `espeak-ng` shell script with the given body.
std::string fake_espeak(const std::string& name, const std::string& body) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("mina-captcha-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto exe = dir / "espeak-ng";
    std::ofstream(exe) << "#!/bin/sh\n" << body << "\n";
    std::filesystem::permissions(exe, std::filesystem::perms::owner_all);
    return dir.string();
}

std::string speak_error() {
    try {
        (void)captcha::speak_wav("nfa8p", "sv");
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "no exception";
}

TEST(CaptchaSound, SaysSoWhenEspeakIsMissing) {
    const ScopedPath path("/nonexistent");
    EXPECT_NE(speak_error().find("espeak-ng is not installed"), std::string::npos) << speak_error();
}

TEST(CaptchaSound, ReportsAFailingEspeak) {
    const std::string dir = fake_espeak("fails", "exit 3");
    const ScopedPath path(dir);
    EXPECT_NE(speak_error().find("exit status 3"), std::string::npos) << speak_error();
    std::filesystem::remove_all(dir);
}

TEST(CaptchaSound, RefusesOutputThatIsNotAWav) {
    const std::string dir = fake_espeak("garbage", "echo hello");
    const ScopedPath path(dir);
    EXPECT_NE(speak_error().find("no WAV"), std::string::npos) << speak_error();
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mina
