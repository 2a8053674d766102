package taxonomy

import _ "embed"

//go:embed demo_categories.csv
var demoCSV []byte

// DemoCSV returns the demo city 示范市's catalogue: 49 classes (26 部件, 23
// 事件) in the import format, each handled by one of the demo departments
// (419900-HW 环卫, -SZ 市政, -YL 园林, -RQ 燃气, -GS 供水, -JT 交通).
// Names and codes follow FACTS §1.2 where it has them (0101 上水井盖, 0203
// 公交站亭, 0406 雕塑, 0602 工地; the 事件 01 市容环境 series) and are
// plausible inventions otherwise; limits follow the local examples of FACTS
// §1.6 (私搭乱建 20 工作日, 暴露垃圾 4 工作时, 积存垃圾渣土 4 工作日, 道路不洁
// 5 工作时, 水域不洁 15 工作日, 绿地 5 工作日). It is demo data, not a
// national table: there is none (FACTS §1.6).
func DemoCSV() []byte { return append([]byte(nil), demoCSV...) }
