#include "captcha/captcha.hpp"

#include <gd.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
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
    const std::string sv = captcha::speak_wav("3edep", "sv");
    const std::string en = captcha::speak_wav("3edep", "en");
    const std::string other = captcha::speak_wav("3edep", "de");  // anything else is English
    EXPECT_EQ(en.substr(0, 4), "RIFF");
    EXPECT_NE(sv, en);
    EXPECT_EQ(other, en);
}

TEST(CaptchaSound, RefusesCharactersOutsideTheAlphabet) {
    EXPECT_THROW((void)captcha::speak_wav("nfa0p", "sv"), std::invalid_argument);
    EXPECT_THROW((void)captcha::speak_wav("-x", "sv"), std::invalid_argument);
    EXPECT_THROW((void)captcha::speak_wav("a;rm", "en"), std::invalid_argument);
    EXPECT_THROW((void)captcha::speak_wav("", "en"), std::invalid_argument);
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
        if (saved_)
            ::setenv("PATH", saved_->c_str(), 1);
        else
            ::unsetenv("PATH");
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
