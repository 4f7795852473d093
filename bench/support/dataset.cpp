#include "dataset.hpp"

#include <cstdio>

namespace powersync::bench {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr const char* kWords[] = {"amber", "basil", "cedar", "delta", "ember", "fjord", "gamma", "harbor",
                                  "indigo", "juniper", "kelp", "lumen", "maple", "nectar", "onyx", "pebble"};

}  // namespace

ItemRow make_item(std::uint64_t index) {
  const std::uint64_t a = splitmix64(index * 2 + 1), b = splitmix64(index * 2 + 2);
  char id[40];
  std::snprintf(id, sizeof id, "%08x-%04x-4%03x-a%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>((b >> 52) & 0xfff), static_cast<unsigned long long>(b & 0xffffffffffffULL));
  ItemRow row;
  row.id = id;
  row.name = std::string(kWords[a % 16]) + " item " + std::to_string(index);
  row.description = std::string("a ") + kWords[(a >> 8) % 16] + " " + kWords[(a >> 12) % 16] + " for the " +
                    kWords[(b >> 4) % 16] + " shelf";
  row.category = std::string("cat-") + std::to_string(b % 20);
  row.quantity = static_cast<std::int64_t>(b % 1000);
  row.price = static_cast<double>(a % 100000) / 100.0;
  return row;
}

std::string item_json(const ItemRow& row) {
  char numbers[96];
  std::snprintf(numbers, sizeof numbers, R"(,"quantity":%lld,"price":%.2f})", static_cast<long long>(row.quantity),
                row.price);
  return R"({"id":")" + row.id + R"(","name":")" + row.name + R"(","description":")" + row.description +
         R"(","category":")" + row.category + "\"" + numbers;
}

}  // namespace powersync::bench
