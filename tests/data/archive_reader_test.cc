// Archive reader: member path normalisation, selective reading, and the size/count caps.
#include "data/archive_reader.h"

#include <gtest/gtest.h>

#include "data_test_util.h"

namespace octet::data {
namespace {

using namespace octet::data::testing;

TEST(ArchiveReader, NormalizesMemberPaths) {
  EXPECT_EQ(normalize_member_path("./a/b.jpg"), "a/b.jpg");
  EXPECT_EQ(normalize_member_path("/a//b/"), "a/b");
  EXPECT_EQ(normalize_member_path("a/../b"), "");
  EXPECT_EQ(normalize_member_path("a/._b.jpg"), "");
  EXPECT_EQ(normalize_member_path(".DS_Store"), "");
}

TEST(ArchiveReader, ReadsOnlyKeptMembersAndListsFolders) {
  TempDir dir;
  write_tar(dir.path() / "a.tar.gz",
            {{"top/x.bin", Bytes(10, 1)}, {"top/sub/y.txt", Bytes(5, 2)}, {"top/empty/", {}, true}}, true);
  auto r = read_archive(dir.str("a.tar.gz"), [](const std::string& p) { return p.ends_with(".bin"); });
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].path, "top/x.bin");
  EXPECT_EQ(r->files[0].bytes, Bytes(10, 1));
  EXPECT_EQ(r->dirs, (std::vector<std::string>{"top", "top/empty", "top/sub"}));
}

TEST(ArchiveReader, CapsNameTheArchiveAndMember) {
  TempDir dir;
  write_tar(dir.path() / "a.tar", {{"big.bin", Bytes(5000, 1)}, {"b.bin", Bytes(10, 1)}, {"c.bin", Bytes(10, 1)}}, false);
  auto keep_all = [](const std::string&) { return true; };
  ArchiveLimits member;
  member.max_member_bytes = 4096;
  Status st = read_archive(dir.str("a.tar"), keep_all, member).status();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(dir.str("a.tar") + ": member big.bin is 5000 bytes"), std::string::npos) << st.message();
  ArchiveLimits total;
  total.max_total_bytes = 5005;
  st = read_archive(dir.str("a.tar"), keep_all, total).status();
  EXPECT_NE(st.message().find("in total"), std::string::npos) << st.message();
  ArchiveLimits entries;
  entries.max_entries = 2;
  st = read_archive(dir.str("a.tar"), keep_all, entries).status();
  EXPECT_NE(st.message().find("more than 2 entries"), std::string::npos) << st.message();
}

TEST(ArchiveReader, NotAnArchive) {
  TempDir dir;
  write_bytes(dir.path() / "junk.tar.gz", Bytes(2000, 'j'));
  EXPECT_FALSE(looks_like_archive(dir.str("junk.tar.gz")));
  Status st = read_archive(dir.str("junk.tar.gz"), [](const std::string&) { return true; }).status();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("junk.tar.gz"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace octet::data
