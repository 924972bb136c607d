#pragma once
/// The sampler protocol's communicator: byte messages with enum tags, byte broadcast, a scatter
/// of work blocks, abort. No <mpi.h> here (comm.cpp wraps MPI_COMM_WORLD).
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "abcsmc/core/wire.hpp"

namespace abcsmc::mpi {

/// Message tags of the sampler protocol (the broadcasts need none).
enum class Tag : int {
  request = 1,   ///< worker -> master: wants a batch (dynamic)
  work = 2,      ///< master -> worker: a batch, or end of the round
  result = 3,    ///< worker -> master: results of one batch
  cancel = 4,    ///< master -> worker: the round is complete (dynamic) or cancelled (static)
  progress = 5,  ///< worker -> master: counts so far in a static round, about every second
};

/// A received message.
struct Received {
  int source = 0;
  Tag tag = Tag::request;
  std::vector<std::uint8_t> bytes;
};

/// The communicator the protocol runs over (rank 0 the master, ranks 1..P-1 the workers). An
/// interface, so that the master and worker protocols run in one process over an in-process
/// fake in the tests (tests/support/fake_comm.hpp); world() is the real one.
class Comm {
 public:
  virtual ~Comm() = default;
  /// MPI_COMM_WORLD, one per process. Requires an Environment.
  static const Comm& world();

  virtual int rank() const = 0;
  virtual int size() const = 0;

  /// Blocking send of `bytes` to `dest`. Any rank.
  virtual void send(int dest, Tag tag, std::span<const std::uint8_t> bytes) const = 0;
  /// Blocks until a message with any of the tags arrives from any rank (MPI_Probe, then
  /// MPI_Recv of its exact size): no sleeping, no polling loop. Any rank.
  /// @throws Error on a message with a tag outside the protocol.
  virtual Received receive_any() const = 0;
  /// Blocks until a message with `tag` arrives from `source`. Any rank.
  virtual std::vector<std::uint8_t> receive(int source, Tag tag) const = 0;
  /// A message with `tag` from `source` if one has arrived (MPI_Iprobe), else nothing; never
  /// blocks. Any rank.
  virtual std::optional<std::vector<std::uint8_t>> try_receive(int source, Tag tag) const = 0;
  /// Broadcasts `bytes` from `root` (its size first, then the bytes); on the other ranks
  /// `bytes` is replaced. Collective over the communicator.
  virtual void broadcast(std::vector<std::uint8_t>& bytes, int root) const = 0;
  /// Root passes one block per rank (blocks.size() == size()); every rank gets its own.
  /// Collective over the communicator.
  virtual WorkBlock scatter(const std::vector<WorkBlock>& blocks, int root) const = 0;
  /// Ends every process of the job with `code` (MPI_Abort). Any rank.
  [[noreturn]] void abort(int code) const {
    abort_job(code);
    std::abort();  // abort_job does not return (or throws); this makes that known here
  }

 private:
  /// What abort() does (a call through a virtual function is not known not to return).
  virtual void abort_job(int code) const = 0;
};

}  // namespace abcsmc::mpi
