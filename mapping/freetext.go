package mapping

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// FreeTextWords are the form's own words: short runs of Han characters a
// correction's detail or a resolution's note may hold (docs/masking.md,
// "Free text"). Any other run of 2 to 4 Han characters could be a name.
var FreeTextWords = []string{
	// colours and states
	"绿码", "黄码", "红码", "灰码", "绿色", "黄色", "红色", "灰色", "颜色", "码色", "赋码", "转码", "变色",
	"未见异常", "弹窗", "居家隔离", "核酸异常", "未知", "隔离", "解除", "解除隔离", "密接", "次密接", "时空伴随",
	// tests, doses, itinerary
	"核酸", "阴性", "阳性", "核酸阴性", "核酸阳性", "检测", "结果", "报告", "采样", "抗原", "疫苗", "接种", "已接种",
	"加强针", "第一针", "第二针", "第三针", "行程", "行程卡", "星号", "带星", "风险", "中风险", "高风险", "低风险", "风险区",
	// the complaint itself
	"健康码", "扫码", "状态", "错误", "有误", "不对", "不符", "显示", "平台", "两地", "本地", "外地", "不一致", "身份",
	"信息", "身份信息", "证件", "纠错", "申诉", "复核", "核实", "更正", "已经", "已", "但是", "仍然", "还是", "今天",
	"昨天", "前天", "小时", "天前", "小时前", "到达", "出发", "返回", "离开", "途经", "航班", "列车", "高铁", "机场",
	"车站", "口岸", "医院", "学校", "社区", "单位", "请", "帮忙", "处理", "谢谢", "其他", "其它", "没有", "一直", "需要",
	// resolutions
	"已更正", "已核实", "维持", "原状", "驳回", "不予", "更正", "改为", "恢复", "正常", "无误", "属实", "不属实",
}

var freeTextAllowed = func() map[string]bool {
	m := make(map[string]bool, len(FreeTextWords))
	for _, w := range FreeTextWords {
		m[w] = true
	}
	return m
}()

// nameCues are words that introduce a name inside a longer run.
var nameCues = []string{"姓名", "名字", "我叫", "名叫", "叫做", "我是", "他叫", "她叫", "他是", "她是"}

// FreeTextProblem says why s, a free-text field that is stored and sent to
// another region (a correction's detail, a resolution's note), may hold a
// person's full name or identity number, or "" when it holds neither by the
// rule of docs/masking.md:
//   - it must be valid UTF-8 with no control or format character;
//   - it must hold no resident identity number in any spelling
//     (HoldsIdentityNumber, after full-width digits are read as ASCII);
//   - every run of 2 to 4 Han characters (a Chinese name's length) must be
//     one of FreeTextWords; a run of 5 or more must not hold a name cue
//     (姓名, 我叫 …) and is otherwise free text;
//   - a Han character joined to another by a middle dot (the names of many
//     minorities, 买买提·艾力) is refused.
//
// The answer never repeats s.
func FreeTextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "text is not valid UTF-8"
	}
	var ascii strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError:
			return "text holds a control or format character"
		}
		if r >= '０' && r <= '９' {
			r = '0' + (r - '０')
		} else if r >= 'Ａ' && r <= 'Ｚ' {
			r = 'A' + (r - 'Ａ')
		} else if r >= 'ａ' && r <= 'ｚ' {
			r = 'a' + (r - 'ａ')
		}
		if r < utf8.RuneSelf {
			ascii.WriteRune(r)
		} else {
			ascii.WriteByte(' ') // a separator, as HoldsIdentityNumber reads any non-alphanumeric byte
		}
	}
	if HoldsIdentityNumber(ascii.String()) {
		return "text holds an identity number: describe the problem without it"
	}
	runes := []rune(s)
	for i := 0; i < len(runes); {
		if !isHan(runes[i]) {
			if isMiddleDot(runes[i]) && i > 0 && isHan(runes[i-1]) && i+1 < len(runes) && isHan(runes[i+1]) {
				return "text holds what looks like a full name (characters joined by a middle dot)"
			}
			i++
			continue
		}
		j := i
		for j < len(runes) && isHan(runes[j]) {
			j++
		}
		run := string(runes[i:j])
		switch n := j - i; {
		case n >= 2 && n <= 4:
			if !freeTextAllowed[run] {
				return "text holds a short run of Chinese characters that is not one of the form's words and may be a name: use the offered words, or a longer sentence"
			}
		case n >= 5:
			for _, cue := range nameCues {
				if strings.Contains(run, cue) {
					return "text names a person: describe the problem without the name"
				}
			}
		}
		i = j
	}
	return ""
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

func isMiddleDot(r rune) bool { return r == '·' || r == '•' || r == '・' || r == '‧' }
