// Compatibility dates and flags: the table in specs/compat-flags.yaml and the rule that turns a
// date plus explicit flags into the set of behaviours that are on. Both the reference runtime
// and the harness read the same table through this file, so they cannot disagree on it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace doc {

// A calendar date as YYYY-MM-DD. Compared as a string, which orders ISO dates correctly.
struct CompatDate {
  std::string iso;

  // Throws CompatError when `text` is not a real date in the strict YYYY-MM-DD form.
  static CompatDate parse(const std::string& text);
  static CompatDate todayUtc();

  auto operator<=>(const CompatDate&) const = default;
};

struct CompatFlag {
  std::string enableName;
  std::string disableName;  // Empty when the flag cannot be switched off by name.
  CompatDate enableDate;
  std::string summary;
  std::string source;
};

class CompatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A profile is what a worker is configured with: a compatibility date and explicit flags. Its
// name is the date followed by each flag with "+", e.g. "2024-04-03+no_rpc".
struct CompatProfile {
  CompatDate date;
  std::vector<std::string> flags;

  std::string name() const;
  // Throws CompatError for a malformed name (the date part is checked, flags are not).
  static CompatProfile parseName(const std::string& name);
};

// The behaviours a profile turns on, by enable name ("rpc", "web_socket_auto_reply_to_close").
class FlagSet {
 public:
  bool isOn(const std::string& enableName) const { return on_.contains(enableName); }
  const std::set<std::string>& enabled() const { return on_; }
  void set(const std::string& enableName) { on_.insert(enableName); }

 private:
  std::set<std::string> on_;
};

class CompatTable {
 public:
  // Reads specs/compat-flags.yaml; errors name the file, line and field.
  static CompatTable load(const std::string& path);
  static CompatTable loadDefault();  // The table in this source tree's specs/.

  CompatTable(std::vector<CompatFlag> flags, CompatDate newestSupported);

  // The resolution rule: a flag is on when its enable name is given, or when the date is on or
  // after its enable date and its disable name is not given. Giving both names, an unknown name,
  // a name given twice, a date after the newest supported date, or a date after `today` is a
  // CompatError whose message says which.
  FlagSet resolve(const CompatProfile& profile, const CompatDate& today) const;
  FlagSet resolve(const CompatProfile& profile) const {
    return resolve(profile, CompatDate::todayUtc());
  }

  const std::vector<CompatFlag>& flags() const { return flags_; }
  const CompatDate& newestSupportedDate() const { return newestSupported_; }

 private:
  const CompatFlag* findByAnyName(const std::string& name) const;

  std::vector<CompatFlag> flags_;
  CompatDate newestSupported_;
};

}  // namespace doc
