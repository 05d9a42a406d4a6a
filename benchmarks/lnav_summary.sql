-- Per-migration summary of nova-compute live migrations in lnav's SQL (lnav's built-in
-- openstack_log format): per instance, the first and last line's time, the highest downtime
-- step, the step count and how many completions, aborts/cancellations, completion timeouts
-- and post-copy switches nova logged. The comparison point for benchmarks/bench.py.
SELECT regexp_match('\[instance: ([0-9a-f-]{36})\]', log_body) AS instance,
       min(log_time) AS first_time,
       max(log_time) AS last_time,
       max(CAST(regexp_match('Increasing downtime to (\d+) ?ms', log_body) AS INTEGER))
           AS max_downtime_ms,
       sum(log_body LIKE '%Increasing downtime to%') AS steps,
       sum(log_body LIKE '%Migration operation has completed%') AS completed,
       sum(log_body LIKE '%Migration operation has aborted%'
           OR log_body LIKE '%Migration operation was cancelled%') AS aborted,
       sum(log_body LIKE '%Live migration not completed after%') AS timeouts,
       sum(log_body LIKE '%Switching to post-copy migration mode%') AS post_copy
  FROM openstack_log
 WHERE log_body LIKE '%[instance: %'
   AND (log_body LIKE '%igrat%' OR log_body LIKE '%owntime%')
 GROUP BY instance
 ORDER BY first_time;
