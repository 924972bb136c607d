#include "abcsmc/mpi/comm.hpp"

#include <mpi.h>

#include <cstdlib>
#include <limits>
#include <string>
#include <type_traits>

#include "abcsmc/core/error.hpp"

namespace abcsmc::mpi {

namespace {

MPI_Comm handle(int fint) { return MPI_Comm_f2c(static_cast<MPI_Fint>(fint)); }

int checked_count(std::size_t n) {
  if (n > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw Error("MPI message of " + std::to_string(n) + " bytes exceeds 2 GiB");
  }
  return static_cast<int>(n);
}

/// MPI_COMM_WORLD behind the Comm interface; the handle is MPI's Fortran integer form.
class WorldComm final : public Comm {
 public:
  explicit WorldComm(int handle) : handle_(handle) {}
  int rank() const override;
  int size() const override;
  void send(int dest, Tag tag, std::span<const std::uint8_t> bytes) const override;
  Received receive_any() const override;
  std::vector<std::uint8_t> receive(int source, Tag tag) const override;
  std::optional<std::vector<std::uint8_t>> try_receive(int source, Tag tag) const override;
  void broadcast(std::vector<std::uint8_t>& bytes, int root) const override;
  WorkBlock scatter(const std::vector<WorkBlock>& blocks, int root) const override;

 private:
  void abort_job(int code) const override;
  int handle_;  ///< MPI_Fint of the communicator
};

}  // namespace

const Comm& Comm::world() {
  static const WorldComm world(static_cast<int>(MPI_Comm_c2f(MPI_COMM_WORLD)));
  return world;
}

int WorldComm::rank() const {
  int r = 0;
  MPI_Comm_rank(handle(handle_), &r);
  return r;
}

int WorldComm::size() const {
  int s = 0;
  MPI_Comm_size(handle(handle_), &s);
  return s;
}

void WorldComm::send(int dest, Tag tag, std::span<const std::uint8_t> bytes) const {
  MPI_Send(bytes.data(), checked_count(bytes.size()), MPI_BYTE, dest, static_cast<int>(tag),
           handle(handle_));
}

Received WorldComm::receive_any() const {
  MPI_Status status;
  MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, handle(handle_), &status);
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  Received r;
  r.source = status.MPI_SOURCE;
  if (status.MPI_TAG < static_cast<int>(Tag::request) ||
      status.MPI_TAG > static_cast<int>(Tag::progress)) {
    throw Error("unexpected MPI message with tag " + std::to_string(status.MPI_TAG) +
                " from rank " + std::to_string(status.MPI_SOURCE));
  }
  r.tag = static_cast<Tag>(status.MPI_TAG);
  r.bytes.resize(static_cast<std::size_t>(count));
  MPI_Recv(r.bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, handle(handle_),
           MPI_STATUS_IGNORE);
  return r;
}

std::vector<std::uint8_t> WorldComm::receive(int source, Tag tag) const {
  MPI_Status status;
  MPI_Probe(source, static_cast<int>(tag), handle(handle_), &status);
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(count));
  MPI_Recv(bytes.data(), count, MPI_BYTE, source, static_cast<int>(tag), handle(handle_),
           MPI_STATUS_IGNORE);
  return bytes;
}

std::optional<std::vector<std::uint8_t>> WorldComm::try_receive(int source, Tag tag) const {
  int flag = 0;
  MPI_Status status;
  MPI_Iprobe(source, static_cast<int>(tag), handle(handle_), &flag, &status);
  if (!flag) return std::nullopt;
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(count));
  MPI_Recv(bytes.data(), count, MPI_BYTE, source, static_cast<int>(tag), handle(handle_),
           MPI_STATUS_IGNORE);
  return bytes;
}

void WorldComm::broadcast(std::vector<std::uint8_t>& bytes, int root) const {
  std::uint64_t n = bytes.size();
  MPI_Bcast(&n, 1, MPI_UINT64_T, root, handle(handle_));
  if (rank() != root) bytes.resize(static_cast<std::size_t>(n));
  if (n > 0) MPI_Bcast(bytes.data(), checked_count(bytes.size()), MPI_BYTE, root, handle(handle_));
}

WorkBlock WorldComm::scatter(const std::vector<WorkBlock>& blocks, int root) const {
  static_assert(std::is_trivially_copyable_v<WorkBlock> && sizeof(WorkBlock) == 16);
  if (rank() == root && blocks.size() != static_cast<std::size_t>(size())) {
    throw Error("scatter: " + std::to_string(blocks.size()) + " blocks for " +
                std::to_string(size()) + " ranks");
  }
  WorkBlock mine;
  MPI_Scatter(blocks.data(), static_cast<int>(sizeof(WorkBlock)), MPI_BYTE, &mine,
              static_cast<int>(sizeof(WorkBlock)), MPI_BYTE, root, handle(handle_));
  return mine;
}

void WorldComm::abort_job(int code) const { MPI_Abort(handle(handle_), code); }

}  // namespace abcsmc::mpi
