#include "captcha/captcha.hpp"

#include <fcntl.h>
#include <gd.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <numbers>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace mina::captcha {

// Lowercase letters and digits, minus every character a reader can take for another:
// 0/o, 1/l/i/j, 9/g/q, 6/b, 5/s, 2/z, c/e, r (rn reads as m), v/w/y and u/v, t/f (and t rhymes with
// b, d, e, p when spoken). The manual's examples nfa8p, 3edep and 5bx5g decide the rest: their
// characters stay, so g, b and 5 keep their places and their look-alikes go.
const std::string_view kAlphabet = "abdefghkmnpuxy234578";

namespace {

bool in_alphabet(std::string_view answer) {
    for (const char c : answer)
        if (kAlphabet.find(c) == std::string_view::npos) return false;
    return true;
}

// Both renderers pass the answer on (to FreeType, to another program); refuse anything we did not make.
void require_answer(std::string_view answer) {
    if (answer.empty() || answer.size() > kLength || !in_alphabet(answer))
        throw std::invalid_argument("captcha: the answer must be 1 to 5 characters of the captcha alphabet");
}

// ---------------------------------------------------------------------------------------------------
// The picture

constexpr std::array<const char*, 2> kFonts = {"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                                               "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"};

// gdImageStringFT is thread-safe only after gdFontCacheSetup(); a function-local static runs it once,
// and finds the first font that loads. If none does, the static stays unset and the next call tries again.
const char* font() {
    static const char* const chosen = [] {
        if (gdFontCacheSetup() != 0) throw std::runtime_error("captcha: libgd could not set up its font cache");
        for (const char* path : kFonts) {
            std::array<int, 8> box{};
            if (gdImageStringFT(nullptr, box.data(), 0, path, 20.0, 0.0, 0, 0, "a") == nullptr) return path;
        }
        throw std::runtime_error(
            "captcha: no usable font; install fonts-dejavu-core "
            "(/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf)");
    }();
    return chosen;
}

// The jitter is not secret (the answer is); a per-thread engine keeps threads from sharing state.
std::mt19937& rng() {
    thread_local std::mt19937 engine = [] {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
        return std::mt19937(seq);
    }();
    return engine;
}

int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng()); }
double between(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng()); }

int rgb(int r, int g, int b) { return (r << 16) | (g << 8) | b; }

// Every ink has a contrast of at least 11:1 against every background drawn below, far past WCAG's 4.5:1;
// the noise is mid-grey, visibly fainter than the strokes, so it never reads as a glyph.
constexpr std::array<std::array<int, 3>, 5> kInks = {
    {{0x1b, 0x1b, 0x1b}, {0x0b, 0x2e, 0x59}, {0x4a, 0x0d, 0x0d}, {0x11, 0x3d, 0x20}, {0x2e, 0x1a, 0x47}}};

struct ImageDeleter {
    void operator()(gdImagePtr im) const { gdImageDestroy(im); }
};
using Image = std::unique_ptr<gdImage, ImageDeleter>;

void draw_noise(gdImagePtr im) {
    for (int i = 0; i < 4; ++i) {
        const int grey = between(0x90, 0xb0);
        gdImageSetAntiAliased(im, rgb(grey, grey, grey + 8));
        gdImageLine(im, between(0, kWidth / 3), between(0, kHeight), between(2 * kWidth / 3, kWidth),
                    between(0, kHeight), gdAntiAliased);
    }
    for (int i = 0; i < 3; ++i) {
        const int grey = between(0x90, 0xb0);
        const int start = between(0, 360);
        gdImageArc(im, between(0, kWidth), between(0, kHeight), between(60, 2 * kWidth), between(30, 2 * kHeight),
                   start, start + between(60, 180), rgb(grey, grey + 6, grey));
    }
    for (int i = 0; i < 150; ++i) {
        const int grey = between(0x80, 0xc0);
        gdImageSetPixel(im, between(0, kWidth - 1), between(0, kHeight - 1), rgb(grey, grey, grey));
    }
}

// Centres one character, rotated, on (cx, cy) give or take a few pixels, never cut off by the edges.
void draw_char(gdImagePtr im, char c, double cx, double cy) {
    const std::array<char, 2> text = {c, '\0'};
    const double size = between(24.0, 28.0);
    const double angle = between(-25.0, 25.0) * std::numbers::pi / 180.0;
    std::array<int, 8> box{};  // the rotated text's corners, drawn at the origin
    if (const char* err = gdImageStringFT(nullptr, box.data(), 0, font(), size, angle, 0, 0, text.data()))
        throw std::runtime_error(std::string("captcha: cannot draw text: ") + err);
    const auto [min_x, max_x] = std::minmax({box[0], box[2], box[4], box[6]});
    const auto [min_y, max_y] = std::minmax({box[1], box[3], box[5], box[7]});
    const double half_h = (max_y - min_y) / 2.0;
    const double y = std::clamp(cy + between(-8.0, 8.0), half_h + 2.0, kHeight - half_h - 2.0);
    const double x = cx + between(-4.0, 4.0);
    const auto& ink = kInks[static_cast<std::size_t>(between(0, static_cast<int>(kInks.size()) - 1))];
    const int left = static_cast<int>(std::lround(x - (min_x + max_x) / 2.0));
    const int base = static_cast<int>(std::lround(y - (min_y + max_y) / 2.0));
    if (const char* err =
            gdImageStringFT(im, box.data(), rgb(ink[0], ink[1], ink[2]), font(), size, angle, left, base, text.data()))
        throw std::runtime_error(std::string("captcha: cannot draw text: ") + err);
}

std::string encode_png(gdImagePtr im) {
    int size = 0;
    void* png = gdImagePngPtr(im, &size);
    if (png == nullptr || size <= 0) throw std::runtime_error("captcha: libgd could not encode the PNG");
    std::string out(static_cast<const char*>(png), static_cast<std::size_t>(size));
    gdFree(png);
    return out;
}

// ---------------------------------------------------------------------------------------------------
// The sound

constexpr auto kSpeakTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxWav = 8u << 20;  // a five-letter answer is about 200 KB

class Fd final {
   public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    [[nodiscard]] int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

   private:
    int fd_;
};

// Owns a running child: unless reaped, it is killed and reaped on the way out, so no exception leaves
// a zombie or a stray espeak-ng behind.
class Child final {
   public:
    explicit Child(pid_t pid) : pid_(pid) {}
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }

    // The exit status, or nullopt if the child had not ended by the deadline (it is then killed).
    std::optional<int> wait_until(std::chrono::steady_clock::time_point deadline) {
        for (;;) {
            int status = 0;
            const pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                pid_ = -1;
                return status;
            }
            if (r < 0 && errno != EINTR) {
                pid_ = -1;  // someone else reaped it (SIGCHLD ignored): nothing left to wait for
                throw std::runtime_error("captcha: lost track of espeak-ng: " + std::string(std::strerror(errno)));
            }
            if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }

   private:
    pid_t pid_;
};

struct SpawnActions {
    posix_spawn_file_actions_t fa{};
    posix_spawnattr_t attr{};
    SpawnActions() {
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&attr);
    }
    SpawnActions(const SpawnActions&) = delete;
    SpawnActions& operator=(const SpawnActions&) = delete;
    ~SpawnActions() {
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&fa);
    }
};

// Starts espeak-ng with its stdout on `out`, stdin and stderr on /dev/null, no other descriptor of ours,
// and the default signal mask and SIGPIPE (a server may block or ignore signals in its threads).
pid_t spawn(const std::vector<std::string>& args, int out) {
    SpawnActions s;
    posix_spawn_file_actions_addopen(&s.fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&s.fa, out, 1);
    posix_spawn_file_actions_addopen(&s.fa, 2, "/dev/null", O_WRONLY, 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    posix_spawn_file_actions_addclosefrom_np(&s.fa, 3);
#endif
    sigset_t none;
    sigemptyset(&none);
    sigset_t pipe_default;
    sigemptyset(&pipe_default);
    sigaddset(&pipe_default, SIGPIPE);
    posix_spawnattr_setsigmask(&s.attr, &none);
    posix_spawnattr_setsigdefault(&s.attr, &pipe_default);
    posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    if (const int err = posix_spawnp(&pid, argv[0], &s.fa, &s.attr, argv.data(), environ); err != 0) {
        if (err == ENOENT) throw std::runtime_error("captcha: espeak-ng is not installed (apt install espeak-ng)");
        throw std::runtime_error("captcha: cannot start espeak-ng: " + std::string(std::strerror(err)));
    }
    return pid;
}

// Reads `fd` to its end; false if the deadline passed first.
bool read_all(int fd, std::string& out, std::chrono::steady_clock::time_point deadline) {
    std::array<char, 16384> buf{};
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0)
            throw std::runtime_error("captcha: poll on espeak-ng failed: " + std::string(std::strerror(errno)));
        if (ready == 0) return false;
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            throw std::runtime_error("captcha: read from espeak-ng failed: " + std::string(std::strerror(errno)));
        if (n == 0) return true;
        out.append(buf.data(), static_cast<std::size_t>(n));
        if (out.size() > kMaxWav) throw std::runtime_error("captcha: espeak-ng wrote more than 8 MiB");
    }
}

// 127 is what a spawned child exits with when exec fails after the fork (valgrind, some libcs), where
// glibc's posix_spawnp would otherwise have said ENOENT.
void check_exit(int status) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        throw std::runtime_error("captcha: espeak-ng is not installed or cannot run (apt install espeak-ng)");
    if (WIFSIGNALED(status))
        throw std::runtime_error("captcha: espeak-ng was killed by signal " + std::to_string(WTERMSIG(status)));
    throw std::runtime_error("captcha: espeak-ng failed with exit status " + std::to_string(WEXITSTATUS(status)));
}

void put_le32(std::string& s, std::size_t at, std::size_t v) {
    for (std::size_t i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Writing to a pipe, espeak-ng cannot seek back to fill in the lengths and leaves dummy values near 2 GiB;
// some players then wait for audio that never comes. Put the real lengths in the canonical 44-byte header.
void fix_wav_lengths(std::string& wav) {
    if (wav.size() < 44 || wav.compare(0, 4, "RIFF") != 0 || wav.compare(8, 4, "WAVE") != 0 ||
        wav.compare(36, 4, "data") != 0)
        return;
    put_le32(wav, 4, wav.size() - 8);
    put_le32(wav, 40, wav.size() - 44);
}

// "n, f, a, 8, p": the commas make espeak-ng say each character by its name, with a pause between.
std::string spelled(std::string_view answer) {
    std::string text;
    for (const char c : answer) {
        if (!text.empty()) text += ", ";
        text += c;
    }
    return text;
}

}  // namespace

std::string random_answer(const std::function<std::uint32_t(std::uint32_t)>& uniform) {
    const auto n = static_cast<std::uint32_t>(kAlphabet.size());
    std::string answer;
    answer.reserve(kLength);
    for (std::size_t i = 0; i < kLength; ++i) {
        const std::uint32_t k = uniform(n);
        if (k >= n) throw std::logic_error("captcha: uniform(n) returned a number not below n");
        answer += kAlphabet[k];
    }
    return answer;
}

std::string draw_png(std::string_view answer) {
    require_answer(answer);
    Image im(gdImageCreateTrueColor(kWidth, kHeight));
    if (!im) throw std::runtime_error("captcha: libgd could not allocate the image");
    gdImageFilledRectangle(im.get(), 0, 0, kWidth - 1, kHeight - 1,
                           rgb(between(0xf2, 0xff), between(0xf2, 0xff), between(0xf2, 0xff)));
    draw_noise(im.get());
    // One slot per character across the width, with a margin for the rotation and jitter.
    constexpr double kMargin = 12.0;
    const double slot = (kWidth - 2 * kMargin) / static_cast<double>(answer.size());
    for (std::size_t i = 0; i < answer.size(); ++i)
        draw_char(im.get(), answer[i], kMargin + slot * (static_cast<double>(i) + 0.5), kHeight / 2.0);
    return encode_png(im.get());
}

std::string speak_wav(std::string_view answer, std::string_view lang) {
    require_answer(answer);
    const std::vector<std::string> args = {
        "espeak-ng", "-v", lang == "sv" ? "sv" : "en", "-s", "110", "--stdout", "--", spelled(answer)};
    std::array<int, 2> ends{};
    if (::pipe2(ends.data(), O_CLOEXEC) != 0)
        throw std::runtime_error("captcha: cannot create a pipe: " + std::string(std::strerror(errno)));
    Fd read_end(ends[0]);
    Fd write_end(ends[1]);
    Child child(spawn(args, write_end.get()));
    write_end.reset();  // our copy closed, the child's end-of-output reaches us as EOF

    const auto deadline = std::chrono::steady_clock::now() + kSpeakTimeout;
    std::string wav;
    if (!read_all(read_end.get(), wav, deadline))
        throw std::runtime_error("captcha: espeak-ng did not finish within 10 s");
    const auto status = child.wait_until(deadline);
    if (!status) throw std::runtime_error("captcha: espeak-ng did not exit within 10 s");
    check_exit(*status);
    if (wav.compare(0, 4, "RIFF") != 0) throw std::runtime_error("captcha: espeak-ng wrote no WAV");
    fix_wav_lengths(wav);
    return wav;
}

}  // namespace mina::captcha
