#pragma once
/// Thin communicator helpers over MPI_COMM_WORLD: byte messages with enum tags, byte broadcast,
/// a scatter of work blocks, abort. No <mpi.h> here; the handle is MPI's Fortran integer form.
#include <cstdint>
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

class Comm {
 public:
  /// MPI_COMM_WORLD. Requires an Environment.
  static Comm world();

  int rank() const;
  int size() const;

  /// Blocking send of `bytes` to `dest`. Any rank.
  void send(int dest, Tag tag, std::span<const std::uint8_t> bytes) const;
  /// Blocks until a message with any of the tags arrives from any rank (MPI_Probe, then
  /// MPI_Recv of its exact size): no sleeping, no polling loop. Any rank.
  /// @throws Error on a message with a tag outside the protocol.
  Received receive_any() const;
  /// Blocks until a message with `tag` arrives from `source`. Any rank.
  std::vector<std::uint8_t> receive(int source, Tag tag) const;
  /// A message with `tag` from `source` if one has arrived (MPI_Iprobe), else nothing; never
  /// blocks. Any rank.
  std::optional<std::vector<std::uint8_t>> try_receive(int source, Tag tag) const;
  /// Broadcasts `bytes` from `root` (its size first, then the bytes); on the other ranks
  /// `bytes` is replaced. Collective over the communicator.
  void broadcast(std::vector<std::uint8_t>& bytes, int root) const;
  /// Root passes one block per rank (blocks.size() == size()); every rank gets its own.
  /// Collective over the communicator.
  WorkBlock scatter(const std::vector<WorkBlock>& blocks, int root) const;
  /// Ends every process of the job with `code` (MPI_Abort). Any rank.
  [[noreturn]] void abort(int code) const;

 private:
  explicit Comm(int handle) : handle_(handle) {}
  int handle_;  ///< MPI_Fint of the communicator
};

}  // namespace abcsmc::mpi
