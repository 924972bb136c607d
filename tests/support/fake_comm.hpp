#pragma once
// An in-process stand-in for MPI_COMM_WORLD (mpi::Comm): P ranks in one process, each used by
// its own thread, so that the master and worker protocols (mpi/sampler.cpp, mpi/worker.cpp) run
// and are tested without mpirun. Point-to-point messages keep MPI's order per (source, tag);
// collectives (broadcast, scatter) are delivered in the order the root makes them. Nothing
// waits forever: a receive that gets nothing for `timeout` throws, so a protocol that hangs
// fails its test instead.
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/mpi/comm.hpp"

namespace abcsmc::testing {

/// What abort() throws (a real abort would end the test process).
struct FakeAbort {
  int rank = 0;
  int code = 0;
};

class FakeNetwork {
 public:
  explicit FakeNetwork(int size, std::chrono::seconds timeout = std::chrono::seconds(30))
      : timeout_(timeout) {
    for (int r = 0; r < size; ++r) ranks_.push_back(std::make_unique<Rank>(*this, r));
  }
  const mpi::Comm& comm(int rank) const { return *ranks_.at(static_cast<std::size_t>(rank)); }
  int size() const { return static_cast<int>(ranks_.size()); }

 private:
  class Rank final : public mpi::Comm {
   public:
    Rank(FakeNetwork& net, int rank) : net_(net), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return net_.size(); }

    void send(int dest, mpi::Tag tag, std::span<const std::uint8_t> bytes) const override {
      Rank& to = net_.rank(dest);
      {
        std::lock_guard lock(to.mutex_);
        to.messages_.push_back(mpi::Received{rank_, tag, {bytes.begin(), bytes.end()}});
      }
      to.arrived_.notify_all();
    }
    mpi::Received receive_any() const override {
      std::unique_lock lock(mutex_);
      wait(
          lock, [&] { return !messages_.empty(); }, "any message");
      mpi::Received r = std::move(messages_.front());
      messages_.pop_front();
      return r;
    }
    std::vector<std::uint8_t> receive(int source, mpi::Tag tag) const override {
      std::unique_lock lock(mutex_);
      std::optional<std::vector<std::uint8_t>> got;
      wait(
          lock, [&] { return (got = take(source, tag)).has_value(); }, "a message");
      return std::move(*got);
    }
    std::optional<std::vector<std::uint8_t>> try_receive(int source, mpi::Tag tag) const override {
      std::lock_guard lock(mutex_);
      return take(source, tag);
    }
    void broadcast(std::vector<std::uint8_t>& bytes, int root) const override {
      if (rank_ == root) {
        for (int r = 0; r < net_.size(); ++r) {
          if (r != root) net_.rank(r).deliver_collective(bytes);
        }
        return;
      }
      bytes = take_collective();
    }
    WorkBlock scatter(const std::vector<WorkBlock>& blocks, int root) const override {
      if (rank_ == root) {
        if (blocks.size() != static_cast<std::size_t>(net_.size()))
          throw Error("fake scatter: one block per rank expected");
        for (int r = 0; r < net_.size(); ++r) {
          if (r == root) continue;
          std::vector<std::uint8_t> bytes(sizeof(WorkBlock));
          std::memcpy(bytes.data(), &blocks[static_cast<std::size_t>(r)], sizeof(WorkBlock));
          net_.rank(r).deliver_collective(bytes);
        }
        return blocks[static_cast<std::size_t>(root)];
      }
      const std::vector<std::uint8_t> bytes = take_collective();
      if (bytes.size() != sizeof(WorkBlock))
        throw Error("fake scatter: a collective out of order (not a block)");
      WorkBlock mine;
      std::memcpy(&mine, bytes.data(), sizeof(WorkBlock));
      return mine;
    }

   private:
    void abort_job(int code) const override { throw FakeAbort{rank_, code}; }
    template <class Ready>
    void wait(std::unique_lock<std::mutex>& lock, Ready ready, const char* what) const {
      if (!arrived_.wait_for(lock, net_.timeout_, ready)) {
        throw Error("fake comm: rank " + std::to_string(rank_) + " waited " +
                    std::to_string(net_.timeout_.count()) + " s for " + what);
      }
    }
    /// The first message with `tag` from `source` (MPI's non-overtaking order), removed.
    std::optional<std::vector<std::uint8_t>> take(int source, mpi::Tag tag) const {
      for (auto it = messages_.begin(); it != messages_.end(); ++it) {
        if (it->source == source && it->tag == tag) {
          std::vector<std::uint8_t> bytes = std::move(it->bytes);
          messages_.erase(it);
          return bytes;
        }
      }
      return std::nullopt;
    }
    void deliver_collective(const std::vector<std::uint8_t>& bytes) {
      {
        std::lock_guard lock(mutex_);
        collectives_.push_back(bytes);
      }
      arrived_.notify_all();
    }
    std::vector<std::uint8_t> take_collective() const {
      std::unique_lock lock(mutex_);
      wait(
          lock, [&] { return !collectives_.empty(); }, "a collective");
      std::vector<std::uint8_t> bytes = std::move(collectives_.front());
      collectives_.pop_front();
      return bytes;
    }

    FakeNetwork& net_;
    int rank_;
    mutable std::mutex mutex_;
    mutable std::condition_variable arrived_;
    mutable std::deque<mpi::Received> messages_;
    mutable std::deque<std::vector<std::uint8_t>> collectives_;
  };

  Rank& rank(int r) { return *ranks_.at(static_cast<std::size_t>(r)); }

  std::chrono::seconds timeout_;
  std::vector<std::unique_ptr<Rank>> ranks_;
};

}  // namespace abcsmc::testing
