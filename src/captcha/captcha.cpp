#include "captcha/captcha.hpp"

#include <fcntl.h>
#include <gd.h>
#include <poll.h>
#include <spawn.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <memory>
#include <numbers>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX asks the program to declare it

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
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
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
                throw std::runtime_error("captcha: lost track of espeak-ng: " + std::generic_category().message(errno));
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
    argv.reserve(args.size() + 1);
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    if (const int err = posix_spawnp(&pid, argv[0], &s.fa, &s.attr, argv.data(), environ); err != 0) {
        if (err == ENOENT) throw std::runtime_error("captcha: espeak-ng is not installed (apt install espeak-ng)");
        throw std::runtime_error("captcha: cannot start espeak-ng: " + std::generic_category().message(err));
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
            throw std::runtime_error("captcha: poll on espeak-ng failed: " + std::generic_category().message(errno));
        if (ready == 0) return false;
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            throw std::runtime_error("captcha: read from espeak-ng failed: " + std::generic_category().message(errno));
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

// Starts every command at once, each espeak-ng with its own pipe, and returns their WAVs in order. A child
// whose pipe is full waits until we come to it; the others go on meanwhile, so the whole takes about as
// long as the slowest. On any failure every child still running is killed and reaped.
std::vector<std::string> run_espeak(const std::vector<std::vector<std::string>>& commands) {
    struct Run {
        Fd out;
        std::optional<Child> child;  // declared last, so killed before its pipe closes
    };
    std::vector<std::unique_ptr<Run>> runs;
    runs.reserve(commands.size());
    for (const auto& args : commands) {
        Run& run = *runs.emplace_back(std::make_unique<Run>());
        std::array<int, 2> ends{};
        if (::pipe2(ends.data(), O_CLOEXEC) != 0)
            throw std::runtime_error("captcha: cannot create a pipe: " + std::generic_category().message(errno));
        run.out.reset(ends[0]);
        const Fd write_end(ends[1]);  // our copy closes here, so the child's end of output reaches us as EOF
        run.child.emplace(spawn(args, write_end.get()));
    }
    const auto deadline = std::chrono::steady_clock::now() + kSpeakTimeout;
    std::vector<std::string> wavs(runs.size());
    for (std::size_t i = 0; i < runs.size(); ++i) {
        if (!read_all(runs[i]->out.get(), wavs[i], deadline))
            throw std::runtime_error("captcha: espeak-ng did not finish within 10 s");
        runs[i]->out.reset();
    }
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto status = runs[i]->child->wait_until(deadline);
        if (!status) throw std::runtime_error("captcha: espeak-ng did not exit within 10 s");
        check_exit(*status);
        if (wavs[i].compare(0, 4, "RIFF") != 0) throw std::runtime_error("captcha: espeak-ng wrote no WAV");
    }
    return wavs;
}

void put_le16(std::string& s, std::size_t at, std::size_t v) {
    for (std::size_t i = 0; i < 2; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void put_le32(std::string& s, std::size_t at, std::size_t v) {
    for (std::size_t i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint32_t le(const std::string& s, std::size_t at, std::size_t bytes) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < bytes; ++i)
        v |= static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
    return v;
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

// ---------------------------------------------------------------------------------------------------
// The varied sound. The old one (a single espeak-ng run, the same every time) fell to a template matcher:
// record each character once, slide the recordings over the challenge, take the best correlation. Now
// every character is its own run with its own voice variant, speed and pitch, stretched, coloured and
// scaled by us, after a pause of its own; quiet babble and noise lie underneath. All of it is drawn anew
// for every download, so no two downloads of one challenge are alike. The matcher in
// tests/unit/captcha_test.cpp solves every old challenge and about one served challenge in twenty.

struct Sound {
    std::vector<float> samples;  // -1 .. 1
    std::uint32_t rate = 0;
};

// espeak-ng writes the canonical 44-byte header (PCM, one channel, 16 bits) and the samples after it.
Sound decode(const std::string& wav) {
    if (wav.size() < 44 || wav.compare(8, 4, "WAVE") != 0 || wav.compare(12, 4, "fmt ") != 0 ||
        wav.compare(36, 4, "data") != 0 || le(wav, 20, 2) != 1 || le(wav, 22, 2) != 1 || le(wav, 34, 2) != 16 ||
        le(wav, 24, 4) < 8000 || le(wav, 24, 4) > 48000)
        throw std::runtime_error("captcha: espeak-ng wrote a WAV that is not 16-bit mono PCM");
    Sound sound;
    sound.rate = le(wav, 24, 4);
    sound.samples.reserve((wav.size() - 44) / 2);
    for (std::size_t i = 44; i + 1 < wav.size(); i += 2)
        sound.samples.push_back(static_cast<float>(static_cast<std::int16_t>(le(wav, i, 2))) / 32768.0F);
    return sound;
}

std::string encode(const std::vector<float>& samples, std::uint32_t rate) {
    std::string wav(44 + 2 * samples.size(), '\0');
    wav.replace(0, 4, "RIFF");
    put_le32(wav, 4, wav.size() - 8);
    wav.replace(8, 8, "WAVEfmt ");
    put_le32(wav, 16, 16);  // the fmt chunk's size
    put_le16(wav, 20, 1);   // PCM
    put_le16(wav, 22, 1);   // one channel
    put_le32(wav, 24, rate);
    put_le32(wav, 28, 2 * rate);  // bytes a second
    put_le16(wav, 32, 2);         // bytes a frame
    put_le16(wav, 34, 16);        // bits a sample
    wav.replace(36, 4, "data");
    put_le32(wav, 40, 2 * samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const auto v = static_cast<long>(std::lround(std::clamp(samples[i], -1.0F, 1.0F) * 32767.0F));
        put_le16(wav, 44 + 2 * i, static_cast<std::size_t>(v) & 0xffff);
    }
    return wav;
}

// The speech alone, without espeak-ng's silence before and after.
void trim(std::vector<float>& s) {
    constexpr float kQuiet = 0.001F;  // espeak-ng's silence is 0; a soft f or h is well above this
    const auto loud = [](float v) { return std::abs(v) > kQuiet; };
    const auto first = std::find_if(s.begin(), s.end(), loud);
    const auto last = std::find_if(s.rbegin(), s.rend(), loud).base();
    if (first >= last) {
        s.clear();
        return;
    }
    s = std::vector<float>(first, last);
}

// Played faster or slower by a ratio that glides from `from` to `to` over the sound (linear interpolation):
// pitch, formants and pace move together, unevenly along the way, as a voice's do.
std::vector<float> stretch(const std::vector<float>& in, double from, double to) {
    std::vector<float> out;
    if (in.size() < 2) return in;
    out.reserve(static_cast<std::size_t>(static_cast<double>(in.size()) / std::min(from, to)) + 1);
    const auto end = static_cast<double>(in.size() - 1);
    for (double at = 0; at < end;) {
        const auto k = static_cast<std::size_t>(at);
        const auto frac = static_cast<float>(at - static_cast<double>(k));
        out.push_back(in[k] + (in[k + 1] - in[k]) * frac);
        at += from + (to - from) * at / end;
    }
    return out;
}

// Brighter or duller: the part above a one-pole low-pass raised or lowered by `tilt` (-0.5 .. 1).
void colour(std::vector<float>& s, float tilt) {
    float low = 0.0F;
    for (float& v : s) {
        low = 0.8F * low + 0.2F * v;
        v += tilt * (v - low);
    }
}

// Soft parts raised, up to 4 times (12 dB), towards a quarter of the loudest: the hiss of f, x and h and
// the burst of k and p stay clear above the babble, as a hearing aid's compressor keeps them.
void lift_soft_parts(std::vector<float>& s, std::uint32_t rate) {
    const std::size_t half = rate / 200;  // a 10 ms window
    std::vector<double> prefix(s.size() + 1, 0.0);
    for (std::size_t i = 0; i < s.size(); ++i) prefix[i + 1] = prefix[i] + static_cast<double>(s[i]) * s[i];
    std::vector<double> level(s.size());
    double loudest = 1e-9;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const std::size_t from = i > half ? i - half : 0;
        const std::size_t to = std::min(s.size(), i + half);
        level[i] = std::sqrt((prefix[to] - prefix[from]) / static_cast<double>(to - from));
        loudest = std::max(loudest, level[i]);
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        const double knee = 0.25 * loudest;
        if (level[i] < knee) s[i] *= static_cast<float>(std::min(4.0, std::sqrt(knee / std::max(level[i], 1e-9))));
    }
}

double rms(const std::vector<float>& s, std::size_t from, std::size_t to) {
    double sum = 0;
    for (std::size_t i = from; i < to; ++i) sum += static_cast<double>(s[i]) * s[i];
    return to > from ? std::sqrt(sum / static_cast<double>(to - from)) : 0.0;
}

// A generator of our own for each download, seeded from the kernel's CSPRNG: what it draws (voices, pauses,
// noise) cannot be foreseen from an earlier download.
std::mt19937_64 fresh_generator() {
    std::array<std::uint32_t, 8> seed{};
    std::size_t got = 0;
    while (got < sizeof seed) {
        const ssize_t n = ::getrandom(reinterpret_cast<char*>(seed.data()) + got, sizeof seed - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error("captcha: getrandom failed: " + std::generic_category().message(errno));
        got += static_cast<std::size_t>(n);
    }
    std::seed_seq seq(seed.begin(), seed.end());
    return std::mt19937_64(seq);
}

// espeak-ng's voice variants, every one a clear speaker (male 1-7, female 1-4); never the plain voice,
// the one an attacker records first.
constexpr std::array<std::string_view, 11> kVariants = {"+m1", "+m2", "+m3", "+m4", "+m5", "+m6",
                                                        "+m7", "+f1", "+f2", "+f3", "+f4"};

struct Draw {
    std::mt19937_64 gen;
    int integer(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen); }
    double real(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(gen); }
    std::string variant() {
        return std::string(kVariants[static_cast<std::size_t>(integer(0, static_cast<int>(kVariants.size()) - 1))]);
    }
};

// One espeak-ng run: the language (sv or en) with a voice variant, words a minute, pitch 0-99, the text last.
std::vector<std::string> espeak_args(const std::string& voice, int speed, int pitch, std::string text) {
    return {"espeak-ng",           "-v",       voice, "-s",           std::to_string(speed), "-p",
            std::to_string(pitch), "--stdout", "--",  std::move(text)};
}

// Babble: random characters of the alphabet said fast, in another voice, far below the real ones.
std::string babble_text(Draw& d) {
    std::string text;
    for (int i = 0; i < 8; ++i) {
        if (!text.empty()) text += ' ';
        text += kAlphabet[static_cast<std::size_t>(d.integer(0, static_cast<int>(kAlphabet.size()) - 1))];
    }
    return text;
}

constexpr int kBabblers = 2;

struct Track {
    std::vector<float> mix;
    double speech_rms = 0;  // over the characters alone, the measure of babble and noise
};

// The characters one after another, each stretched by 12 % at most either way (gliding from one ratio to
// another), brighter or duller, its soft parts lifted, at a loudness between -4 and 0 dB of the loudest, after 0.2-0.5
// s of silence and apart by 0.35-0.8 s of it.
Track lay_out(std::span<Sound> characters, std::uint32_t rate, Draw& d) {
    const auto seconds = [rate](double s) { return static_cast<std::size_t>(s * rate); };
    Track track;
    track.mix.assign(seconds(d.real(0.2, 0.5)), 0.0F);
    double power = 0;
    std::size_t length = 0;
    for (auto& character : characters) {
        auto& s = character.samples;
        if (s.empty()) throw std::runtime_error("captcha: espeak-ng said nothing");
        s = stretch(s, d.real(0.88, 1.14), d.real(0.88, 1.14));
        colour(s, static_cast<float>(d.real(-0.5, 1.0)));
        lift_soft_parts(s, rate);
        float peak = 1e-3F;
        for (const float v : s) peak = std::max(peak, std::abs(v));
        const auto gain = static_cast<float>(0.7 * std::pow(10.0, d.real(-4.0, 0.0) / 20.0)) / peak;
        if (&character != &characters.front()) track.mix.resize(track.mix.size() + seconds(d.real(0.35, 0.8)), 0.0F);
        const std::size_t from = track.mix.size();
        for (const float v : s) track.mix.push_back(v * gain);
        power += rms(track.mix, from, track.mix.size()) * rms(track.mix, from, track.mix.size()) *
                 static_cast<double>(s.size());
        length += s.size();
    }
    track.mix.resize(track.mix.size() + seconds(d.real(0.3, 0.5)), 0.0F);
    track.speech_rms = std::sqrt(power / static_cast<double>(std::max<std::size_t>(length, 1)));
    return track;
}

// Babble 22-28 dB below the speech, from a random place in it and round again to cover the whole.
void add_babble(Track& track, const std::vector<float>& babble, Draw& d) {
    if (babble.empty()) return;
    const double level = track.speech_rms * std::pow(10.0, -d.real(22.0, 28.0) / 20.0);
    const auto gain = static_cast<float>(level / std::max(1e-6, rms(babble, 0, babble.size())));
    auto at = static_cast<std::size_t>(d.integer(0, static_cast<int>(babble.size()) - 1));
    for (float& v : track.mix) {
        v += babble[at] * gain;
        at = (at + 1) % babble.size();
    }
}

// Noise 28-34 dB below the speech: white through a low-pass of random slope (most of it below 1 kHz, so
// the hiss of f, h, x and k stays clear), rising and falling slowly. With the babble, the speech stays at
// least 21 dB above all that lies under it.
void add_noise(Track& track, std::uint32_t rate, Draw& d) {
    const double noise_rms = track.speech_rms * std::pow(10.0, -d.real(28.0, 34.0) / 20.0);
    std::normal_distribution<float> white(0.0F, 1.0F);
    const auto smooth = static_cast<float>(d.real(0.85, 0.95));
    const double wobble_hz = d.real(0.3, 1.5);
    const double wobble_phase = d.real(0.0, 2 * std::numbers::pi);
    std::vector<float> noise(track.mix.size());
    float low = 0.0F;
    for (std::size_t i = 0; i < noise.size(); ++i) {
        low = smooth * low + (1.0F - smooth) * white(d.gen);
        const double t = static_cast<double>(i) / rate;
        noise[i] = low * static_cast<float>(1.0 + 0.3 * std::sin(2 * std::numbers::pi * wobble_hz * t + wobble_phase));
    }
    const auto gain = static_cast<float>(noise_rms / std::max(1e-9, rms(noise, 0, noise.size())));
    for (std::size_t i = 0; i < track.mix.size(); ++i) track.mix[i] += noise[i] * gain;
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
    Draw d{fresh_generator()};
    const std::string language = lang == "sv" ? "sv" : "en";
    std::vector<std::vector<std::string>> commands;
    for (const char c : answer)  // a humane pace (espeak-ng's own is 175), pitch around its own 50
        commands.push_back(espeak_args(language + d.variant(), d.integer(115, 185), d.integer(20, 80), {c}));
    for (int i = 0; i < kBabblers; ++i)
        commands.push_back(espeak_args(language + d.variant(), d.integer(190, 240), d.integer(10, 90), babble_text(d)));
    std::vector<Sound> spoken;
    for (const auto& wav : run_espeak(commands)) {
        spoken.push_back(decode(wav));
        trim(spoken.back().samples);
        if (spoken.back().rate != spoken.front().rate)
            throw std::runtime_error("captcha: espeak-ng changed its sample rate");
    }
    const std::uint32_t rate = spoken.front().rate;
    Track track = lay_out(std::span(spoken).first(answer.size()), rate, d);
    for (const auto& babbler : std::span(spoken).subspan(answer.size())) add_babble(track, babbler.samples, d);
    add_noise(track, rate, d);
    return encode(track.mix, rate);
}

std::string speak_wav_plain(std::string_view answer, std::string_view lang) {
    require_answer(answer);
    auto wavs =
        run_espeak({{"espeak-ng", "-v", lang == "sv" ? "sv" : "en", "-s", "110", "--stdout", "--", spelled(answer)}});
    fix_wav_lengths(wavs.front());
    return std::move(wavs.front());
}

}  // namespace mina::captcha
