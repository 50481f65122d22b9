// The raw Argon2id verify rate of this machine, the reference for the login benchmark.
//
// Runs N threads (default: one per core) that each verify, in a loop, an Argon2id hash made with the
// server's default parameters (opslimit 2, memlimit 19 MiB), for a fixed duration, and prints the
// total number of verifications per second.
//
// Each hash is libsodium's crypto_pwhash_str_verify as shipped, as the server's hashing threads
// run it (src/crypto/sodium.cpp): Argon2's memory is mapped afresh for each hash and unmapped after.
//
// Usage: mina_bench_hash_rate [seconds=10] [threads=hardware_concurrency]
// The last line of output is machine-readable:
//   result mode=stock threads=<n> hashes=<total> seconds=<elapsed> cpu_seconds=<user+sys> hashes_per_second=<rate>
// cpu_seconds well below threads * seconds means something else on the machine took CPU time.
#include <sodium.h>
#include <sys/resource.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {
double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
/// A number, or 0 when `text` is not one (std::atof and std::atoi read "2x" as 2 and "x" as 0).
double number(const char* text) {
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text, &end);
    return end == text || *end != '\0' || errno != 0 ? 0.0 : v;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? number(argv[1]) : 10.0;
    const unsigned hw = std::thread::hardware_concurrency();
    const double wanted = argc > 2 ? number(argv[2]) : (hw > 0 ? hw : 1);
    const bool whole = wanted >= 1 && wanted <= 4096 && wanted == static_cast<unsigned>(wanted);
    const unsigned threads = whole ? static_cast<unsigned>(wanted) : 0;
    const std::string mode = "stock";
    if (seconds <= 0 || threads == 0 || argc > 3) {
        std::fprintf(stderr, "usage: %s [seconds>0] [threads>0]\n", argv[0]);
        return 2;
    }
    if (sodium_init() < 0) {
        std::fprintf(stderr, "libsodium could not start\n");
        return 1;
    }

    constexpr unsigned long long kOps = 2;
    constexpr std::size_t kMem = 19u * 1024u * 1024u;
    const std::string password = "Mina-demo-2026!";
    std::array<char, crypto_pwhash_STRBYTES> hash{};
    if (crypto_pwhash_str_alg(hash.data(), password.data(), password.size(), kOps, kMem,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        std::fprintf(stderr, "crypto_pwhash_str_alg failed (out of memory?)\n");
        return 1;
    }

    std::atomic<bool> go{false};
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    std::vector<unsigned long long> counts(threads, 0);
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) {
        pool.emplace_back([&, i] {
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            unsigned long long n = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                if (crypto_pwhash_str_verify(hash.data(), password.data(), password.size()) != 0) failures.fetch_add(1);
                ++n;
            }
            counts[i] = n;
        });
    }

    const double cpu_before = cpu_seconds();
    const auto started = std::chrono::steady_clock::now();
    go.store(true, std::memory_order_release);
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop.store(true);
    for (auto& t : pool) t.join();
    // Count until the last thread finished its last hash: every counted hash lies inside the window.
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    const double cpu = cpu_seconds() - cpu_before;

    if (failures.load() != 0) {
        std::fprintf(stderr, "%d verifications failed: invalid measurement\n", failures.load());
        return 1;
    }
    unsigned long long total = 0;
    for (unsigned i = 0; i < threads; ++i) {
        std::printf("thread %u: %llu hashes\n", i, counts[i]);
        total += counts[i];
    }
    const double rate = static_cast<double>(total) / elapsed;
    std::printf("argon2id t=%llu m=%zu KiB, %s memory, %u thread(s), %.2f s: %llu hashes, %.2f ms/hash/thread\n", kOps,
                kMem / 1024, mode.c_str(), threads, elapsed, total,
                total ? 1000.0 * elapsed * threads / static_cast<double>(total) : 0.0);
    std::printf("result mode=%s threads=%u hashes=%llu seconds=%.3f cpu_seconds=%.3f hashes_per_second=%.2f\n",
                mode.c_str(), threads, total, elapsed, cpu, rate);
    return 0;
}
