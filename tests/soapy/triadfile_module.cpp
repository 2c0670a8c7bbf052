// A SoapySDR device module for the tests: "driver=triadfile" plays a ci16_le recording
// (a .sigmf-data file of C interleaved channels, N samples per pulse, P pulses per CPI) as a
// receiver would see the radar: a continuous complex stream at `rate`; the radar pulses at
// device times m * pri, and the recording's pulse j is the radar's pulse k0 P + j, k0 the
// first CPI boundary at or after the stream's start (activation time - offset); its receive
// window of N samples starts offset after the pulse; a filler value between windows, then the
// end of the burst after the last pulse. `format=CF32` offers and plays CF32 only (the counts /
// 32768, exact), `format=CS8` offers CS8 only (for the refusal; not played). Device time runs `speed` times the wall clock from the
// device's creation (hardware time, timed activation and timestamped reads; `notime=1` turns
// all three off). A reader that falls more than `buffer_s` of device time behind gets
// SOAPY_SDR_OVERFLOW and loses the samples in between, as a real receiver does;
// `overflow_every_s=X` forces one each X seconds of the stream (losing 1 ms of samples). Built by tests/CMakeLists.txt only, loaded
// through SOAPY_SDR_PLUGIN_PATH; nothing in Triad links it.
// SPDX-License-Identifier: GPL-2.0-or-later
#include <SoapySDR/Device.hpp>
#include <SoapySDR/Formats.hpp>
#include <SoapySDR/Registry.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

const int16_t FILLER = 12345; // between windows: misplaced samples would show in detections

double arg_d(const SoapySDR::Kwargs &a, const char *k, double def)
{
    auto it = a.find(k);
    return it == a.end() ? def : std::stod(it->second);
}

class TriadFile : public SoapySDR::Device {
  public:
    explicit TriadFile(const SoapySDR::Kwargs &a)
        : rate_(arg_d(a, "rate", 0)), pri_(arg_d(a, "pri", 0)), offset_(arg_d(a, "offset", 0)),
          speed_(arg_d(a, "speed", 1)), buffer_s_(arg_d(a, "buffer_s", 0.5)),
          n_((size_t)arg_d(a, "n", 0)), p_((size_t)arg_d(a, "p", 1)),
          c_((size_t)arg_d(a, "channels", 1)),
          has_time_(arg_d(a, "notime", 0) == 0),
          format_(a.count("format") ? a.at("format") : SOAPY_SDR_CS16),
          overflow_every_s_(arg_d(a, "overflow_every_s", 0)),
          start_(std::chrono::steady_clock::now())
    {
        auto f = a.find("file");
        if (f == a.end() || !(rate_ > 0) || !(pri_ > 0) || n_ == 0 || c_ == 0 || !(speed_ > 0))
            throw std::runtime_error("triadfile: needs file, rate, pri, n (and channels)");
        if (format_ != SOAPY_SDR_CS16 && format_ != SOAPY_SDR_CF32 && format_ != SOAPY_SDR_CS8)
            throw std::runtime_error("triadfile: format CS16, CF32 or CS8 (CS8: offered, not played)");
        std::ifstream in(f->second, std::ios::binary);
        if (!in)
            throw std::runtime_error("triadfile: cannot open " + f->second);
        in.seekg(0, std::ios::end);
        const size_t bytes = (size_t)in.tellg();
        in.seekg(0);
        std::vector<uint32_t> data(bytes / 4); // one I, Q pair of int16 each
        in.read(reinterpret_cast<char *>(data.data()), (std::streamsize)(data.size() * 4));
        pulses_ = data.size() / (n_ * c_);
        // one plane per channel, so that a window's span is one block copy when played
        planes_.assign(c_, std::vector<uint32_t>(pulses_ * n_));
        for (size_t j = 0; j < pulses_ * n_; j++)
            for (size_t ch = 0; ch < c_; ch++)
                planes_[ch][j] = data[j * c_ + ch];
        int16_t fill[2] = {FILLER, FILLER};
        std::memcpy(&filler_, fill, 4);
    }

    std::string getDriverKey() const override { return "triadfile"; }
    std::string getHardwareKey() const override { return "triadfile"; }
    size_t getNumChannels(const int dir) const override { return dir == SOAPY_SDR_RX ? c_ : 0; }
    std::vector<std::string> getStreamFormats(const int, const size_t) const override
    {
        return {format_};
    }
    std::string getNativeStreamFormat(const int, const size_t, double &full) const override
    {
        full = format_ == SOAPY_SDR_CF32 ? 1.0 : 32768;
        return format_;
    }
    void setSampleRate(const int, const size_t, const double) override {} // the file's only
    double getSampleRate(const int, const size_t) const override { return rate_; }
    std::vector<double> listSampleRates(const int, const size_t) const override
    {
        return {rate_};
    }
    void setFrequency(const int, const size_t, const double f, const SoapySDR::Kwargs &) override
    {
        freq_ = f;
    }
    double getFrequency(const int, const size_t) const override { return freq_; }
    bool hasHardwareTime(const std::string &) const override { return has_time_; }
    long long getHardwareTime(const std::string &) const override
    {
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
                                .count();
        return (long long)std::llround(wall * speed_ * 1e9);
    }

    SoapySDR::Stream *setupStream(const int dir, const std::string &format,
                                  const std::vector<size_t> &channels,
                                  const SoapySDR::Kwargs &) override
    {
        if (dir != SOAPY_SDR_RX || format != format_)
            throw std::runtime_error("triadfile: RX " + format_ + " only");
        chans_ = channels.empty() ? std::vector<size_t>{0} : channels;
        for (size_t ch : chans_)
            if (ch >= c_)
                throw std::runtime_error("triadfile: no such channel");
        return reinterpret_cast<SoapySDR::Stream *>(this);
    }
    void closeStream(SoapySDR::Stream *) override { active_ = false; }
    size_t getStreamMTU(SoapySDR::Stream *) const override { return MTU; }

    int activateStream(SoapySDR::Stream *, const int flags, const long long timeNs,
                       const size_t) override
    {
        const long long t_act = (flags & SOAPY_SDR_HAS_TIME) && has_time_ ? timeNs : getHardwareTime("");
        const double cpi_ns = (double)p_ * pri_ * 1e9, first = (double)t_act - offset_ * 1e9;
        // untimed: the recording starts right away; timed: on the radar's CPI grid
        t_origin_ns_ = has_time_ ? (long long)std::llround(std::ceil(first / cpi_ns - 1e-9) * cpi_ns)
                                 : (long long)std::llround(first);
        next_ = (uint64_t)std::llround((double)(t_act - t_origin_ns_) * 1e-9 * rate_);
        next_overflow_ = (uint64_t)std::llround(overflow_every_s_ * rate_);
        ended_ = false;
        active_ = true;
        return 0;
    }
    int deactivateStream(SoapySDR::Stream *, const int, const long long) override
    {
        active_ = false;
        return 0;
    }

    int readStream(SoapySDR::Stream *, void *const *buffs, const size_t num, int &flags,
                   long long &timeNs, const long timeoutUs) override
    {
        flags = 0;
        if (!active_ || ended_) {
            std::this_thread::sleep_for(std::chrono::microseconds(timeoutUs));
            return SOAPY_SDR_TIMEOUT;
        }
        const uint64_t end = window_start(pulses_ - 1) + n_; // the last window's end
        // wait until a packet's worth (the MTU, or the burst's rest) is due in device time, at
        // most the timeout, sleeping until it is due rather than polling: a receiver hands on
        // whole packets, and a reader woken for a few samples at a time would spin
        const uint64_t rest = next_ < end ? end - next_ : 1;
        const int64_t want = (int64_t)std::min<uint64_t>({(uint64_t)num, MTU, rest});
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(timeoutUs);
        int64_t avail;
        for (;;) {
            avail = (int64_t)std::floor((double)(getHardwareTime("") - t_origin_ns_) * 1e-9 * rate_);
            if (avail >= (int64_t)next_ + std::max<int64_t>(want, 1))
                break;
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) {
                if (avail > (int64_t)next_)
                    break; // what is there
                return SOAPY_SDR_TIMEOUT;
            }
            const double due_ns = ((double)t_origin_ns_ + (double)(next_ + (uint64_t)want) / rate_ * 1e9) / speed_;
            const auto due = start_ + std::chrono::nanoseconds((long long)std::ceil(due_ns));
            std::this_thread::sleep_until(std::min(due, deadline));
        }
        const bool forced = overflow_every_s_ > 0 && next_ >= next_overflow_;
        if (forced)
            next_overflow_ += (uint64_t)std::llround(overflow_every_s_ * rate_);
        if (forced || avail - (int64_t)next_ > (int64_t)(buffer_s_ * rate_)) {
            // the device's buffer ran over: what it held is gone, it resumes at "now"
            next_ = forced ? next_ + (uint64_t)(0.001 * rate_) : (uint64_t)avail;
            return SOAPY_SDR_OVERFLOW;
        }
        size_t take = (size_t)std::min<int64_t>((int64_t)num, avail - (int64_t)next_);
        if (next_ + take >= end) { // the last samples (none when an overflow skipped past)
            take = next_ < end ? (size_t)(end - next_) : 0;
            flags |= SOAPY_SDR_END_BURST;
            ended_ = true;
        }
        // the stream [next_, next_ + take) in spans: filler up to a window, the window's
        // samples (one block copy from the channel's plane), filler after the last
        for (size_t b = 0; b < chans_.size(); b++) {
            // CS16: I, Q int16 per sample; CF32: played as CS16 here, converted after
            if (format_ == SOAPY_SDR_CF32 && cs16_.size() < take)
                cs16_.resize(take);
            uint32_t *out = format_ == SOAPY_SDR_CF32 ? cs16_.data() : static_cast<uint32_t *>(buffs[b]);
            const std::vector<uint32_t> &plane = planes_[chans_[b]];
            uint64_t s = next_, m = pulse_of(s);
            const uint64_t e = next_ + take;
            while (s < e) {
                const uint64_t ws = m < pulses_ ? window_start(m) : e, we = m < pulses_ ? ws + n_ : e;
                if (s < ws) { // between windows
                    const uint64_t f = std::min(ws, e);
                    std::fill(out + (s - next_), out + (f - next_), filler_);
                    s = f;
                } else if (s < we) { // in pulse m's window
                    const uint64_t f = std::min(we, e);
                    std::memcpy(out + (s - next_), plane.data() + m * n_ + (s - ws),
                                (size_t)(f - s) * 4);
                    s = f;
                } else if (m < pulses_) {
                    m++;
                } else {
                    std::fill(out + (s - next_), out + (e - next_), filler_);
                    s = e;
                }
            }
            if (format_ == SOAPY_SDR_CF32) { // count / 32768: exact in float
                float *f = static_cast<float *>(buffs[b]);
                for (size_t j = 0; j < take; j++) {
                    int16_t iq[2];
                    std::memcpy(iq, &out[j], 4);
                    f[2 * j] = (float)iq[0] / 32768.0f;
                    f[2 * j + 1] = (float)iq[1] / 32768.0f;
                }
            }
        }
        if (has_time_) {
            flags |= SOAPY_SDR_HAS_TIME;
            timeNs = t_origin_ns_ + (long long)std::llround((double)next_ / rate_ * 1e9);
        }
        next_ += take;
        return (int)take;
    }

  private:
    uint64_t window_start(uint64_t m) const
    {
        return (uint64_t)std::llround(((double)m * pri_ + offset_) * rate_);
    }
    uint64_t pulse_of(uint64_t s) const // the pulse whose window holds sample s or is next
    {
        const double x = ((double)s + 0.5) / rate_ - offset_;
        return x < 0 ? 0 : (uint64_t)std::floor(x / pri_);
    }

    double rate_, pri_, offset_, speed_, buffer_s_, freq_ = 0;
    size_t n_, p_, c_;
    bool has_time_;
    double overflow_every_s_;
    std::chrono::steady_clock::time_point start_;
    static constexpr uint64_t MTU = 8192;
    std::string format_;
    std::vector<uint32_t> cs16_; // CF32: one channel's read as CS16 before conversion
    std::vector<std::vector<uint32_t>> planes_; // [C][pulse * N + sample]
    uint32_t filler_ = 0;
    uint64_t pulses_ = 0, next_ = 0;
    uint64_t next_overflow_ = 0;
    long long t_origin_ns_ = 0; // device time of the recording's pulse 0
    bool active_ = false, ended_ = false;
    std::vector<size_t> chans_;
};

SoapySDR::KwargsList find_triadfile(const SoapySDR::Kwargs &args)
{
    auto it = args.find("driver");
    if (it == args.end() || it->second != "triadfile")
        return {};
    SoapySDR::Kwargs k = args;
    k["label"] = "Triad test recording player";
    return {k};
}

SoapySDR::Device *make_triadfile(const SoapySDR::Kwargs &args) { return new TriadFile(args); }

SoapySDR::Registry registration("triadfile", &find_triadfile, &make_triadfile,
                                SOAPY_SDR_ABI_VERSION);

} // namespace
