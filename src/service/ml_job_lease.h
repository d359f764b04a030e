// File: ml_job_lease.h
// Who runs an identity-resolution job (ml_jobs.h), so that a job whose server died is run again
// and a job another live server runs is left alone (several servers may share one PostgreSQL
// database).
//
// A claimed job's queue row names its runner (`Owner`: host, process id and a token drawn when
// the process started) and a lease (`LeaseUntil`, epoch seconds), which the runner renews while
// the job runs. Another server may take the job over when the lease has run out, or at once when
// the runner was a process of its own host that no longer exists (a restart after a crash or a
// kill -9 resumes the job at the server's start, without waiting for the lease).
#pragma once

#include <boost/json/object.hpp>
#include <condition_variable>
#include <string>
#include <thread>

#include "common/mutex.h"
#include "service/registry.h"

namespace profiled::service {

// A lease lasts this long and is renewed every quarter of it.
inline constexpr double kMlLeaseSeconds = 120;

// This process as a job runner: "{host}:{pid}:{token}".
const std::string& MlJobRunnerId();

// Whether the queue row's runner can no longer be running the job: no runner, its lease ran out
// by `now`, or it was a process of this host that is gone (another process now, or none).
bool MlJobRunnerGone(const boost::json::object& queue_row, double now);

// Renews the lease of the queue row `queue_id` (system scope, kMlQueueKind) from a thread of its
// own until destroyed. Stops renewing (and says so in the log) when the row is gone or another
// runner holds it.
class MlJobLease {
 public:
  MlJobLease(const ServiceEnv& env, std::string queue_id);
  ~MlJobLease();
  MlJobLease(const MlJobLease&) = delete;
  MlJobLease& operator=(const MlJobLease&) = delete;

 private:
  void Renew();

  const ServiceEnv& env_;
  std::string queue_id_;
  Mutex mu_;
  std::condition_variable cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace profiled::service
