// matching_quality: the ML-style matcher's precision, recall and run time on a labelled data set
// with known duplicates (docs/matching.md, "ML-style matching"; bench/matching_quality runs it).
//
//   matching_quality [--profiles N] [--seed S] [--threshold T] [--explain K] [--ndjson FILE]
//
// --ndjson also writes the profiles, one JSON document a line, for `profiled import`
// (bench/matching_job times a whole identity-resolution job over them).
//
// The data set (deterministic for a seed): people with a first and last name (some accented),
// an email, a phone, an address (street number, name and type, ZIP) and, for half of them, a
// birth date. A third of the people have 1 to 3 duplicate profiles, each made from the original
// by what real data does: typos in a name (substitution, deletion, transposition), first and last
// names swapped, upper case or accents dropped, the email with a "+tag" or in capitals, or
// replaced by another address or dropped, the phone formatted ("+1 (555) 010-0000") or raw or
// dropped, the street's type abbreviated or spelled out (St/Street, Ave/Avenue) or the address
// dropped. One person in ten lives in a family of 2 to 4 people sharing the last name, ONE
// family email, the home phone and the address, but not first names or birth dates: they are
// different people and must not match.
// A pair is a true match when both profiles come from the same person. Precision: true pairs
// among the pairs the matcher put in one group; recall: the true pairs it found among all true
// pairs (a duplicate that shares nothing but a name with its original is counted as missed).
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "service/ml_matcher.h"

namespace {

using profiled::service::MatchRecord;

const char* kFirst[] = {
    "james",     "mary",      "john",      "patricia", "robert",     "jennifer",  "michael",
    "linda",     "william",   "elizabeth", "david",    "barbara",    "richard",   "susan",
    "joseph",    "jessica",   "thomas",    "sarah",    "charles",    "karen",     "christopher",
    "nancy",     "daniel",    "lisa",      "matthew",  "betty",      "anthony",   "margaret",
    "mark",      "sandra",    "donald",    "ashley",   "steven",     "kimberly",  "paul",
    "emily",     "andrew",    "donna",     "joshua",   "michelle",   "kenneth",   "dorothy",
    "kevin",     "carol",     "brian",     "amanda",   "george",     "melissa",   "edward",
    "deborah",   "ronald",    "stephanie", "timothy",  "rebecca",    "jason",     "sharon",
    "jeffrey",   "laura",     "ryan",      "cynthia",  "jacob",      "kathleen",  "gary",
    "amy",       "nicholas",  "shirley",   "eric",     "angela",     "jonathan",  "helen",
    "stephen",   "anna",      "larry",     "brenda",   "justin",     "pamela",    "scott",
    "nicole",    "brandon",   "emma",      "benjamin", "samantha",   "samuel",    "katherine",
    "gregory",   "christine", "frank",     "debra",    "alexander",  "rachel",    "raymond",
    "catherine", "patrick",   "carolyn",   "jack",     "janet",      "dennis",    "ruth",
    "jerry",     "maria",     "tyler",     "heather",  "aaron",      "diane",     "jose",
    "virginia",  "adam",      "julie",     "henry",    "joyce",      "nathan",    "victoria",
    "douglas",   "olivia",    "zachary",   "kelly",    "peter",      "christina", "kyle",
    "lauren",    "walter",    "joan",      "ethan",    "evelyn",     "jeremy",    "judith",
    "harold",    "megan",     "keith",     "cheryl",   "christian",  "andrea",    "roger",
    "hannah",    "noah",      "martha",    "gerald",   "jacqueline", "carl",      "frances",
    "terry",     "gloria",    "sean",      "ann",      "austin",     "teresa",    "arthur",
    "kathryn",   "lawrence",  "sara",      "jesse",    "janice",     "dylan",     "jean",
    "bryan",     "alice",     "joe",       "madison",  "jordan",     "doris",     "billy",
    "abigail",   "bruce",     "julia",     "albert",   "judy",       "willie",    "grace",
    "gabriel",   "denise",    "logan",     "amber",    "alan",       "marilyn",   "juan",
    "beverly",   "wayne",     "danielle",  "roy",      "theresa",    "ralph",     "sophia",
    "randy",     "marie",     "eugene",    "diana",    "vincent",    "brittany",  "russell",
    "natalie",   "elijah",    "isabella",  "louis",    "charlotte",  "bobby",     "rose",
    "philip",    "alexis",    "johnny",    "kayla",    "José",       "Zoë",       "Renée",
    "André",     "Chloé",     "François",  "Björn",    "Søren",      "Inés",      "Ramón",
    "Łukasz",    "Jürgen",    "Noël",      "Agnès",    "Héctor",     "Raúl",
};
const char* kLast[] = {
    "smith",      "johnson",   "williams",   "brown",     "jones",      "garcia",    "miller",
    "davis",      "rodriguez", "martinez",   "hernandez", "lopez",      "gonzalez",  "wilson",
    "anderson",   "thomas",    "taylor",     "moore",     "jackson",    "martin",    "lee",
    "perez",      "thompson",  "white",      "harris",    "sanchez",    "clark",     "ramirez",
    "lewis",      "robinson",  "walker",     "young",     "allen",      "king",      "wright",
    "scott",      "torres",    "nguyen",     "hill",      "flores",     "green",     "adams",
    "nelson",     "baker",     "hall",       "rivera",    "campbell",   "mitchell",  "carter",
    "roberts",    "gomez",     "phillips",   "evans",     "turner",     "diaz",      "parker",
    "cruz",       "edwards",   "collins",    "reyes",     "stewart",    "morris",    "morales",
    "murphy",     "cook",      "rogers",     "gutierrez", "ortiz",      "morgan",    "cooper",
    "peterson",   "bailey",    "reed",       "kelly",     "howard",     "ramos",     "kim",
    "cox",        "ward",      "richardson", "watson",    "brooks",     "chavez",    "wood",
    "james",      "bennett",   "gray",       "mendoza",   "ruiz",       "hughes",    "price",
    "alvarez",    "castillo",  "sanders",    "patel",     "myers",      "long",      "ross",
    "foster",     "jimenez",   "powell",     "jenkins",   "perry",      "russell",   "sullivan",
    "bell",       "coleman",   "butler",     "henderson", "barnes",     "gonzales",  "fisher",
    "vasquez",    "simmons",   "romero",     "jordan",    "patterson",  "alexander", "hamilton",
    "graham",     "reynolds",  "griffin",    "wallace",   "moreno",     "west",      "cole",
    "hayes",      "bryant",    "herrera",    "gibson",    "ellis",      "tran",      "medina",
    "aguilar",    "stevens",   "murray",     "ford",      "castro",     "marshall",  "owens",
    "harrison",   "fernandez", "mcdonald",   "woods",     "washington", "kennedy",   "wells",
    "vargas",     "henry",     "chen",       "freeman",   "webb",       "tucker",    "guzman",
    "burns",      "crawford",  "olson",      "simpson",   "porter",     "hunter",    "gordon",
    "mendez",     "silva",     "shaw",       "snyder",    "mason",      "dixon",     "muñoz",
    "hunt",       "hicks",     "holmes",     "palmer",    "wagner",     "black",     "robertson",
    "boyd",       "rose",      "stone",      "salazar",   "fox",        "warren",    "mills",
    "meyer",      "rice",      "schmidt",    "garza",     "daniels",    "ferguson",  "nichols",
    "stephens",   "soto",      "weaver",     "ryan",      "gardner",    "payne",     "grant",
    "dunn",       "kelley",    "spencer",    "hawkins",   "arnold",     "pierce",    "vazquez",
    "hansen",     "peters",    "santos",     "hart",      "bradley",    "knight",    "elliott",
    "cunningham", "duncan",    "armstrong",  "hudson",    "carroll",    "lane",      "riley",
    "andrews",    "alvarado",  "ray",        "delgado",   "berry",      "perkins",   "hoffman",
    "johnston",   "matthews",  "peña",       "richards",  "willis",     "carpenter", "lawrence",
    "sandoval",   "Müller",    "Schäfer",    "Köhler",    "Núñez",      "Ibáñez",    "Çelik",
    "Dvořák",     "O'Brien",   "Lefèvre",
};
const char* kStreet[] = {
    "main",     "oak",       "pine",   "maple",   "cedar",   "elm",      "washington", "lake",
    "hill",     "park",      "walnut", "sunset",  "lincoln", "jackson",  "church",     "highland",
    "mill",     "river",     "spring", "ridge",   "meadow",  "forest",   "chestnut",   "franklin",
    "willow",   "jefferson", "center", "cherry",  "madison", "dogwood",  "valley",     "adams",
    "sycamore", "birch",     "laurel", "hickory", "locust",  "prospect", "spruce",     "magnolia",
    "broad",    "market",    "union",  "water",   "bridge",  "school",
};
// (long, short) street types.
const char* kType[][2] = {{"Street", "St"}, {"Avenue", "Ave"}, {"Road", "Rd"},
                          {"Drive", "Dr"},  {"Lane", "Ln"},    {"Boulevard", "Blvd"},
                          {"Court", "Ct"},  {"Place", "Pl"}};
const char* kDomains[] = {"gmail.com", "yahoo.com", "outlook.com", "example.org", "mail.net"};

template <size_t N>
size_t Count(const char* const (&)[N]) {
  return N;
}

struct Person {
  std::string first, last, email, phone, street_no, street, type_index, zip, city, birth;
};

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  uint64_t U(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  bool P(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  std::string Digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>('0' + U(10));
    return s;
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
};

std::string Ascii(const std::string& s) {  // what a form without accents makes of a name
  return profiled::service::NormalizeName(s);
}

std::string Typo(Gen& g, std::string s) {
  s = Ascii(s);
  if (s.size() < 4) return s;
  size_t i = 1 + g.U(s.size() - 2);  // never the first letter: people rarely mistype it
  switch (g.U(3)) {
    case 0:
      s[i] = static_cast<char>('a' + g.U(26));
      break;
    case 1:
      s.erase(i, 1);
      break;
    default:
      std::swap(s[i], s[i + 1 < s.size() ? i + 1 : i - 1]);
      break;
  }
  return s;
}

std::string Capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 32);
  return s;
}

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return s;
}

std::string FormattedPhone(const std::string& ten) {
  return "+1 (" + ten.substr(0, 3) + ") " + ten.substr(3, 3) + "-" + ten.substr(6);
}

// The ProfileId of the i-th profile (32 hex, as Profiled's own ids), and back.
std::string IdOf(size_t i) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032zx", i);
  return buf;
}
size_t IndexOf(const std::string& id) { return std::strtoull(id.c_str() + 16, nullptr, 16); }

// One profile of a person, as a source system would have typed it (`dup`: a duplicate, with the
// variations above).
boost::json::object Profile(Gen& g, const Person& p, bool dup, size_t id) {
  std::string first = Capitalised(p.first), last = Capitalised(p.last);
  std::string email = p.email, phone = p.phone;
  const char* const* type = kType[std::stoi(p.type_index)];
  std::string street = p.street_no + " " + Capitalised(p.street) + " " + type[0];
  std::string zip = p.zip, birth = p.birth;
  bool has_address = true;
  if (dup) {
    if (g.P(0.35)) {
      std::string& name = g.P(0.5) ? first : last;
      name = Typo(g, name);
    }
    if (g.P(0.1)) std::swap(first, last);
    if (g.P(0.1)) first = Upper(Ascii(first)), last = Upper(Ascii(last));
    if (g.P(0.15)) first = Ascii(first);
    double e = std::uniform_real_distribution<double>(0, 1)(g.rng());
    if (e < 0.15) {
      email.clear();
    } else if (e < 0.35) {
      email = Ascii(p.first) + "." + g.Digits(4) + "@work" + g.Digits(3) + ".com";
    } else if (e < 0.5) {
      email = Upper(email);
    } else if (e < 0.6) {
      email.insert(email.find('@'), "+shop");
    }
    double ph = std::uniform_real_distribution<double>(0, 1)(g.rng());
    if (ph < 0.2) {
      phone.clear();
    } else if (ph < 0.3) {
      phone = g.Digits(10);
    } else if (ph < 0.65) {
      phone = FormattedPhone(phone);
    }
    if (g.P(0.25)) has_address = false;
    if (g.P(0.5)) street = p.street_no + " " + Capitalised(p.street) + " " + type[1];
    if (g.P(0.2)) street += ".";
    if (g.P(0.2)) zip += "-" + g.Digits(4);
    if (g.P(0.3)) birth.clear();
  }
  boost::json::object doc;
  doc["ProfileId"] = IdOf(id);
  doc["FirstName"] = first;
  doc["LastName"] = last;
  if (!email.empty()) doc["EmailAddress"] = email;
  if (!phone.empty()) doc["PhoneNumber"] = phone;
  if (has_address) {
    boost::json::object a;
    a["Address1"] = street;
    a["City"] = p.city;
    a["PostalCode"] = zip;
    doc["Address"] = std::move(a);
  }
  if (!birth.empty()) doc["BirthDate"] = birth;
  return doc;
}

Person NewPerson(Gen& g) {
  Person p;
  p.first = kFirst[g.U(Count(kFirst))];
  p.last = kLast[g.U(Count(kLast))];
  p.email = Ascii(p.first) + "." + Ascii(p.last) + g.Digits(3) + "@" + kDomains[g.U(5)];
  p.phone = std::to_string(2 + g.U(8)) + g.Digits(9);
  p.street_no = std::to_string(1 + g.U(9999));
  p.street = kStreet[g.U(Count(kStreet))];
  p.type_index = std::to_string(g.U(8));
  p.zip = g.Digits(5);
  p.city = "Springfield";
  if (g.P(0.5)) {
    p.birth = std::to_string(1940 + g.U(65)) + "-0" + std::to_string(1 + g.U(9)) + "-1" +
              std::to_string(g.U(10));
  }
  return p;
}

std::string Show(const MatchRecord& r) {
  std::string s = r.profile_id + " [" + r.first + "|" + r.last + "] ";
  for (const auto& e : r.emails) s += e + " ";
  for (const auto& p : r.phones) s += p + " ";
  return s + "{" + r.street + "|" + r.postal + "} " + r.birth;
}

// Pairs of one person in different groups (missed) and of two people in one group (wrong).
void Explain(const std::vector<MatchRecord>& records, const std::vector<uint32_t>& person_of,
             const std::vector<profiled::service::MlMatch>& matches, size_t n) {
  std::vector<std::string> group(records.size());
  for (const auto& m : matches) {
    for (const std::string& id : m.profile_ids) group[IndexOf(id)] = m.match_id;
  }
  size_t missed = 0, wrong = 0;
  for (size_t i = 0; i < records.size() && (missed < n || wrong < n); ++i) {
    for (size_t j = i + 1; j < records.size() && j < i + 8; ++j) {
      bool same = person_of[i] == person_of[j];
      bool together = !group[i].empty() && group[i] == group[j];
      if (same == together) continue;
      if (same && missed++ >= n) continue;
      if (!same && wrong++ >= n) continue;
      std::printf("%s %.3f\n  %s\n  %s\n", same ? "MISSED" : "WRONG",
                  profiled::service::PairScore(records[i], records[j]), Show(records[i]).c_str(),
                  Show(records[j]).c_str());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 10000;
  uint64_t seed = 1;
  double threshold = profiled::service::kDefaultMatchThreshold;
  size_t explain = 0;       // print this many missed and this many wrong pairs
  std::string ndjson_path;  // also write the profiles there, for `profiled import`
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--profiles")) n = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--threshold")) threshold = std::strtod(argv[i + 1], nullptr);
    if (!std::strcmp(argv[i], "--explain")) explain = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--ndjson")) ndjson_path = argv[i + 1];
  }
  FILE* ndjson = nullptr;
  if (!ndjson_path.empty() && !(ndjson = std::fopen(ndjson_path.c_str(), "w"))) {
    std::perror(ndjson_path.c_str());
    return 1;
  }
  Gen g(seed);
  std::vector<MatchRecord> records;
  std::vector<uint32_t> person_of;  // the label: records[i] is person person_of[i]
  records.reserve(n);
  uint32_t people = 0;
  auto gen_start = std::chrono::steady_clock::now();
  while (records.size() < n) {
    // A family (different people sharing last name, email, phone, address) or one person.
    size_t family = g.P(0.1) ? 2 + g.U(3) : 1;
    Person head = NewPerson(g);
    std::string family_email =
        "the." + Ascii(head.last) + "s" + g.Digits(3) + "@" + kDomains[g.U(5)];
    std::set<std::string> taken;
    for (size_t f = 0; f < family && records.size() < n; ++f) {
      Person p = f == 0 ? head : NewPerson(g);
      if (family > 1) {
        p.last = head.last, p.email = family_email, p.phone = head.phone;
        p.street_no = head.street_no, p.street = head.street, p.type_index = head.type_index;
        p.zip = head.zip;
        // Given names of one family differ (within their first three letters: no "Jose" and
        // "Joseph" in one house); any typo variant of them is a duplicate's, not a sibling's.
        while (taken.count(Ascii(p.first).substr(0, 3))) p.first = kFirst[g.U(Count(kFirst))];
        taken.insert(Ascii(p.first).substr(0, 3));
      }
      uint32_t person = people++;
      size_t copies = 1 + (g.P(1.0 / 3) ? 1 + g.U(3) : 0);
      for (size_t c = 0; c < copies && records.size() < n; ++c) {
        boost::json::object doc = Profile(g, p, c > 0, records.size());
        if (ndjson) std::fprintf(ndjson, "%s\n", boost::json::serialize(doc).c_str());
        records.push_back(profiled::service::MatchRecordFromProfile(doc));
        person_of.push_back(person);
      }
    }
  }
  double gen_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - gen_start).count();
  if (ndjson && std::fclose(ndjson) != 0) {
    std::perror(ndjson_path.c_str());
    return 1;
  }

  auto start = std::chrono::steady_clock::now();
  profiled::service::MatchRunStats stats;
  auto matches = profiled::service::FindMatches(records, threshold, &stats);
  double run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // True pairs: per person, k records give k(k-1)/2.
  std::unordered_map<uint32_t, uint64_t> per_person;
  for (uint32_t p : person_of) ++per_person[p];
  uint64_t true_pairs = 0;
  for (auto& [p, k] : per_person) true_pairs += k * (k - 1) / 2;
  uint64_t predicted = 0, correct = 0;
  for (const auto& m : matches) {
    std::unordered_map<uint32_t, uint64_t> by_person;
    for (const std::string& id : m.profile_ids) ++by_person[person_of[IndexOf(id)]];
    uint64_t k = m.profile_ids.size();
    predicted += k * (k - 1) / 2;
    for (auto& [p, c] : by_person) correct += c * (c - 1) / 2;
  }
  if (explain > 0) Explain(records, person_of, matches, explain);
  double precision = predicted ? static_cast<double>(correct) / predicted : 1.0;
  double recall = true_pairs ? static_cast<double>(correct) / true_pairs : 1.0;
  std::printf(
      "profiles %zu  people %u  true pairs %llu  threshold %.2f\n"
      "groups %zu  predicted pairs %llu  correct %llu\n"
      "precision %.4f  recall %.4f\n"
      "match time %.2f s (pairs compared %llu, blocks skipped %llu; generation %.2f s)\n",
      records.size(), people, static_cast<unsigned long long>(true_pairs), threshold,
      matches.size(), static_cast<unsigned long long>(predicted),
      static_cast<unsigned long long>(correct), precision, recall, run_s,
      static_cast<unsigned long long>(stats.pairs_compared),
      static_cast<unsigned long long>(stats.blocks_skipped), gen_s);
  return 0;
}
