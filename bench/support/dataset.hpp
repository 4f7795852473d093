#pragma once
// The benchmark dataset: `items` rows of about 150 bytes of JSON with random (but
// deterministic) UUID-shaped ids, so B-tree inserts land all over the index as in real apps.

#include <cstdint>
#include <string>

namespace powersync::bench {

struct ItemRow {
  std::string id;
  std::string name;
  std::string description;
  std::string category;
  std::int64_t quantity = 0;
  double price = 0;
};

// Row `index` of the dataset; the same index always gives the same row.
ItemRow make_item(std::uint64_t index);

// The row as the sync service sends it (the devserver's column order).
std::string item_json(const ItemRow& row);

// The schema of `items` for our Database and the official SDK, in the official JSON form.
inline constexpr const char* kItemsSchemaJson =
    R"({"tables":[{"name":"items","columns":[{"name":"name","type":"text"},{"name":"description","type":"text"},)"
    R"({"name":"category","type":"text"},{"name":"quantity","type":"integer"},{"name":"price","type":"real"}]}]})";

}  // namespace powersync::bench
