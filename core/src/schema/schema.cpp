// Small accessors of the schema model.

#include "powersync/schema/schema.hpp"

namespace powersync {

std::string_view to_string(ColumnType type) noexcept {
  switch (type) {
    case ColumnType::text:
      return "text";
    case ColumnType::integer:
      return "integer";
    case ColumnType::real:
      return "real";
  }
  return "text";
}

std::string Table::internal_name() const {
  // Local-only tables get their own prefix so that switching a table between local-only and
  // synced can create the new table before dropping the old one.
  return (local_only ? "ps_data_local__" : "ps_data__") + name;
}

}  // namespace powersync
