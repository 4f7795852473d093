// The differential fixture itself: the oracle is the official core, and a difference is seen.
#include "conformance_helpers.hpp"
#include "official_core.hpp"

namespace powersync::conformance {
namespace {

TEST(ConformanceFixture, OracleIsTheOfficialCore) {
  DualDatabase dual(schema_of({todos_table()}));
  std::string version = official_core_version(dual.official_connection());
  std::printf("official core %s\n", version.c_str());
  EXPECT_FALSE(version.empty());
  // Our engine does not define the official version function.
  EXPECT_THROW(dual.ours("SELECT powersync_rs_version()"), Error);
}

TEST(ConformanceFixture, BothSidesQueueTheWrite) {
  DualDatabase dual(schema_of({todos_table()}));
  dual.execute("INSERT INTO todos(id, description) VALUES ('t1', 'x')");
  EXPECT_EQ(dual.ours("SELECT count(*) FROM ps_crud").rows.at(0).at(0), Value(std::int64_t{1}));
  EXPECT_EQ(dual.official("SELECT count(*) FROM ps_crud").rows.at(0).at(0), Value(std::int64_t{1}));
  EXPECT_SAME_STATE(dual);
}

TEST(ConformanceFixture, SeesADifference) {
  DualDatabase dual(schema_of({todos_table()}));
  dual.execute("INSERT INTO todos(id, description) VALUES ('t1', 'x')");
  dual.official_connection().exec("UPDATE ps_crud SET data = json_set(data, '$.data.description', 'y')");
  dual.official_connection().exec("INSERT INTO ps_data__todos(id, data) VALUES ('t2', '{}')");
  auto differences = dual.state_differences();
  EXPECT_THAT(differences, ::testing::Contains(::testing::HasSubstr("ps_crud row 0 column data")));
  EXPECT_THAT(differences, ::testing::Contains(::testing::HasSubstr("view todos row 1 only in official")));
}

TEST(ConformanceFixture, JsonComparedByMeaning) {
  DualDatabase dual(schema_of({todos_table()}));
  dual.execute("INSERT INTO todos(id, description, completed) VALUES ('t1', 'x', 1)");
  // Same object, other key order: not a difference, but noted.
  dual.official_connection().exec(
      "UPDATE ps_crud SET data = '{\"data\":{\"completed\":1,\"description\":\"x\"},\"type\":\"todos\","
      "\"id\":\"t1\",\"op\":\"PUT\"}'");
  EXPECT_THAT(dual.state_differences(), ::testing::IsEmpty());
  EXPECT_THAT(dual.notes(), ::testing::Contains(::testing::HasSubstr("ps_crud row 0 column data")));
  // 1 and 1.0 are different values.
  dual.official_connection().exec("UPDATE ps_crud SET data = json_set(data, '$.data.completed', 1.0)");
  EXPECT_THAT(dual.state_differences(), ::testing::Contains(::testing::HasSubstr("ps_crud row 0 column data")));
}

}  // namespace
}  // namespace powersync::conformance
