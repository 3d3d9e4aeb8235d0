"""Vietnamese vocabulary the generator composes pages and articles from.

The lists are small but combine into many distinct titles and sentences, so a 10,000-article
archive has realistic text sizes, diacritics on almost every word (slugs and search folding get
real work), a long tail of tags and a few dozen sources — the shape that decides how many tag,
author and feed pages a build writes.  Everything here is invented; no real article is copied.
"""

from __future__ import annotations

# 25 topics, as a republisher's breadcrumb names them (the Category header of an article).
TOPICS: tuple[str, ...] = (
    "Thời sự", "Sức khỏe", "Kinh tế", "Giáo dục", "Văn hóa", "Thể thao", "Công nghệ",
    "Du lịch", "Pháp luật", "Thế giới", "Xã hội", "Đời sống", "Giải trí", "Khoa học",
    "Môi trường", "Nông nghiệp", "Bất động sản", "Giao thông", "Dinh dưỡng", "Tin y dược",
    "Phòng bệnh", "Nuôi dạy trẻ", "Tài chính", "Ẩm thực", "Thời trang",
)  # fmt: skip

# Original publishers credited in bylines ("Theo hanoi.gov.vn - …").
SOURCES: tuple[str, ...] = (
    "hanoi.gov.vn", "moh.gov.vn", "suckhoedoisong.vn", "baochinhphu.vn", "vnexpress.net",
    "tuoitre.vn", "thanhnien.vn", "dantri.com.vn", "vietnamnet.vn", "laodong.vn",
    "nhandan.vn", "qdnd.vn", "cand.com.vn", "vtv.vn", "vov.vn", "tienphong.vn",
    "nld.com.vn", "plo.vn", "sggp.org.vn", "baodanang.vn", "hanoimoi.vn", "kinhtedothi.vn",
    "giaoducthoidai.vn", "thethaovanhoa.vn", "znews.vn", "congly.vn", "baotintuc.vn",
    "vietnamplus.vn", "bnews.vn", "nongnghiep.vn", "moitruong.net.vn", "baodautu.vn",
)  # fmt: skip

# Republishers the pages were captured from (the dateline in front of the lead).
REPUBLISHERS: tuple[str, ...] = (
    "webkhoedep.vn",
    "songkhoe24h.vn",
    "tinnhanh365.vn",
    "baomoi24.info",
    "tinhot247.net",
)

FAMILY: tuple[str, ...] = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
    "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Mai", "Tạ",
)  # fmt: skip
MIDDLE: tuple[str, ...] = ("Văn", "Thị", "Minh", "Thu", "Ngọc", "Hữu", "Đức", "Thanh", "Quốc")
GIVEN: tuple[str, ...] = (
    "Anh", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hằng", "Hiếu", "Hòa", "Hùng", "Hương",
    "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn",
    "Tâm", "Thảo", "Thắng", "Trang", "Tuấn", "Vân", "Việt", "Yến",
)  # fmt: skip

PLACES: tuple[str, ...] = (
    "Hà Nội", "TP Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Quảng Ninh", "Nghệ An",
    "Thanh Hóa", "Thừa Thiên Huế", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "Bình Dương",
    "Đồng Nai", "Lào Cai", "Hà Giang", "Phú Thọ", "Bắc Ninh", "Quảng Nam", "An Giang",
    "Kiên Giang", "Cà Mau", "Sơn La", "Điện Biên", "Ninh Bình",
)  # fmt: skip

ORGS: tuple[str, ...] = (
    "UBND thành phố", "Sở Y tế", "Bộ Giáo dục và Đào tạo", "Bộ Tài chính", "Sở Giao thông vận tải",
    "Bệnh viện Bạch Mai", "Bệnh viện Nhi Trung ương", "Tổng cục Thống kê", "Ngân hàng Nhà nước",
    "Sở Văn hóa và Thể thao", "Công an thành phố", "Trung tâm Kiểm soát bệnh tật",
    "Hội Nông dân", "Sở Tài nguyên và Môi trường", "Liên đoàn Bóng đá Việt Nam",
    "Bộ Khoa học và Công nghệ", "Sở Du lịch", "Viện Dinh dưỡng Quốc gia",
)  # fmt: skip

ROLES: tuple[str, ...] = (
    "Giám đốc", "Phó Giám đốc", "Chủ tịch", "Phó Chủ tịch", "Trưởng khoa", "Bác sĩ",
    "Chuyên gia", "Hiệu trưởng", "Thứ trưởng", "Tổng thư ký", "Trưởng phòng",
)  # fmt: skip

# Subjects of headlines and sentences, each already a noun phrase.
SUBJECTS: tuple[str, ...] = (
    "giá xăng dầu", "số ca sốt xuất huyết", "kỳ thi tuyển sinh lớp 10", "xuất khẩu nông sản",
    "lượng khách du lịch", "dự án đường sắt đô thị", "chương trình tiêm chủng mở rộng",
    "thị trường bất động sản", "tỷ lệ học sinh cận thị", "giá vàng trong nước",
    "mùa lúa đông xuân", "đội tuyển bóng đá nữ", "lễ hội áo dài", "ngành y tế cơ sở",
    "chuyển đổi số trong thủ tục hành chính", "hệ thống xe buýt nhanh", "chất lượng không khí",
    "bữa ăn học đường", "nguồn vốn đầu tư công", "các ca ghép tạng", "thu ngân sách",
    "giá thuê căn hộ", "nước sạch nông thôn", "rác thải nhựa", "ứng dụng đặt lịch khám bệnh",
    "giải chạy marathon", "bảo hiểm y tế học sinh", "vắc xin phòng sởi", "cầu vượt sông Hồng",
    "dịch tay chân miệng", "sản lượng cà phê", "tuyến metro số 1", "khu công nghiệp mới",
    "thị trường chứng khoán", "giá rau xanh", "đội ngũ giáo viên", "các làng nghề truyền thống",
)  # fmt: skip

EVENTS: tuple[str, ...] = (
    "tăng mạnh", "giảm nhẹ", "lập kỷ lục mới", "được điều chỉnh", "chuẩn bị khởi công",
    "được mở rộng", "gây lo ngại", "đạt kết quả tích cực", "vượt kế hoạch", "chậm tiến độ",
    "thu hút sự quan tâm", "được kiểm tra đột xuất", "chính thức vận hành", "bước vào giai đoạn mới",
)  # fmt: skip

WHEN: tuple[str, ...] = (
    "trong tháng qua", "từ đầu năm", "dịp cuối tuần", "trong quý đầu năm", "sau kỳ nghỉ lễ",
    "mùa mưa bão", "trước thềm năm học mới", "trong những ngày nắng nóng", "tuần này",
)  # fmt: skip

VERBS: tuple[str, ...] = (
    "cho biết", "nhấn mạnh", "khuyến cáo", "đề nghị", "thông tin", "khẳng định", "yêu cầu",
    "đánh giá", "chia sẻ", "lưu ý",
)  # fmt: skip

CLAUSES: tuple[str, ...] = (
    "cần tăng cường công tác kiểm tra, giám sát tại cơ sở",
    "người dân nên chủ động theo dõi thông tin chính thức từ cơ quan chức năng",
    "kết quả này là nhờ sự vào cuộc quyết liệt của cả hệ thống chính trị",
    "nhiều khó khăn, vướng mắc vẫn cần được tháo gỡ trong thời gian tới",
    "các đơn vị phải hoàn thành nhiệm vụ trước ngày 30 tháng 6",
    "chi phí thực hiện dự kiến khoảng 350 tỷ đồng, trong đó ngân sách địa phương chiếm phần lớn",
    "tỷ lệ hài lòng của người dân đạt trên 90%, tăng 5 điểm so với cùng kỳ",
    "việc ứng dụng công nghệ giúp tiết kiệm thời gian và chi phí đi lại",
    "các trường hợp vi phạm sẽ bị xử lý nghiêm theo quy định của pháp luật",
    "phụ huynh cần cho trẻ đi khám ngay khi có dấu hiệu bất thường",
    "nguồn cung trong nước vẫn đủ đáp ứng nhu cầu tiêu dùng",
    "lượng khách quốc tế tăng gần gấp đôi so với năm trước",
    "hơn 1.200 hộ dân đã được hỗ trợ chuyển đổi sinh kế",
    "mô hình này sẽ được nhân rộng ra các quận, huyện khác",
    "thời gian giải quyết hồ sơ rút ngắn từ 15 ngày xuống còn 5 ngày",
    "nhiều chuyên gia cho rằng cần có lộ trình phù hợp với thực tiễn",
)  # fmt: skip

OPENERS: tuple[str, ...] = (
    "Theo báo cáo của {org}", "Tại buổi làm việc sáng {day}", "Trao đổi với phóng viên",
    "Phát biểu tại hội nghị", "Cũng theo {org}", "Trước đó", "Đáng chú ý",
    "Ngày {day}", "Trong khi đó", "Tại {place}",
)  # fmt: skip

CAPTIONS: tuple[str, ...] = (
    "Toàn cảnh hội nghị", "Quang cảnh buổi làm việc tại {place}", "Người dân làm thủ tục tại bộ phận một cửa",
    "{role} {person} phát biểu tại hội nghị", "Học sinh trong giờ học tại một trường ở {place}",
    "Các bác sĩ thăm khám cho người bệnh", "Công nhân thi công trên công trường",
    "Du khách tham quan phố cổ", "Nông dân thu hoạch lúa tại {place}", "Ảnh minh họa",
)  # fmt: skip

HEADINGS: tuple[str, ...] = (
    "NHIỀU GIẢI PHÁP ĐỒNG BỘ", "KHÓ KHĂN CÒN Ở PHÍA TRƯỚC", "CẦN SỰ CHUNG TAY CỦA NGƯỜI DÂN",
    "KẾT QUẢ BƯỚC ĐẦU", "LỘ TRÌNH THỰC HIỆN",
)  # fmt: skip

TICKERS: tuple[str, ...] = ("DÒNG SỰ KIỆN ►", "TIN NÓNG ►", "SỰ KIỆN NÓNG:")
PHONE_ADS: tuple[str, ...] = (
    "0947268688 liên hệ quảng cáo",
    "Hotline: 0912 345 678",
    "0988.123.456 liên hệ quảng cáo",
)

# Tag vocabulary: a few very common tags and a long tail (picked with a skewed distribution).
TAG_WORDS: tuple[str, ...] = (
    "Hà Nội", "TP Hồ Chí Minh", "Đà Nẵng", "dịch bệnh", "trẻ em", "giáo dục", "giá cả",
    "giao thông", "môi trường", "du lịch", "bóng đá", "sức khỏe", "y tế", "đầu tư công",
    "chuyển đổi số", "nông sản", "xuất khẩu", "tuyển sinh", "vắc xin", "an toàn thực phẩm",
    "nắng nóng", "mưa lũ", "lễ hội", "văn hóa", "công nghệ", "khởi nghiệp", "bất động sản",
    "chứng khoán", "ngân hàng", "thời tiết", "ô nhiễm", "thể thao", "ẩm thực", "dinh dưỡng",
    "người cao tuổi", "phụ nữ", "thanh niên", "nông thôn", "đô thị", "cải cách hành chính",
)  # fmt: skip
