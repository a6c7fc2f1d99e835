"""Plotly's Simplified Chinese locale (the words of plotly.js's lib/locales/zh-cn.js, MIT, with the strings of
the plotly.js that Streamlit 1.67 bundles), handed to each chart in its config: the mode bar says 下载为PNG图片,
not "Download plot as a PNG", and nothing is fetched from a CDN to get there (the dictionary travels with the
chart)."""
from __future__ import annotations

LOCALE = "zh-CN"

DICTIONARY = {
    "Autoscale": "自动缩放",
    "Box Select": "矩形框选",
    "Compare data on hover": "悬停时比较数据",
    "Double-click to zoom back out": "双击还原缩放",
    "Download plot as a PNG": "下载为PNG图片",
    "Download plot as a png": "下载为PNG图片",
    "Download plot": "下载图表",
    "Download plot as JSON": "下载为JSON",
    "Draw circle": "画圆",
    "Draw closed freeform": "画封闭自由形状",
    "Draw line": "画线",
    "Draw open freeform": "画开放自由形状",
    "Draw rectangle": "画矩形",
    "Erase active shape": "删除当前形状",
    "Image download succeeded": "图片已下载",
    "JSON download succeeded": "JSON已下载",
    "Lasso Select": "套索选择",
    "Orbital rotation": "轨道旋转",
    "Pan": "平移",
    "Preparing image - this may take a few seconds": "正在生成图片，可能需要几秒钟",
    "Produced with Plotly.js": "由Plotly.js生成",
    "Reset": "重置",
    "Reset axes": "还原坐标轴",
    "Reset camera to default": "还原默认视角",
    "Reset camera to last save": "还原上次保存的视角",
    "Reset view": "还原视图",
    "Reset views": "还原视图",
    "Show closest data on hover": "悬停时显示最近的数据",
    "Snapshot succeeded": "快照已生成",
    "Sorry, there was a problem downloading your image!": "抱歉，图片下载出现问题！",
    "Sorry, there was a problem downloading your JSON file!": "抱歉，JSON文件下载出现问题！",
    "Sorry, there was a problem downloading your snapshot!": "抱歉，快照下载出现问题！",
    "Taking snapshot - this may take a few seconds": "正在生成快照，可能需要几秒钟",
    "Toggle Spike Lines": "显示或隐藏参考线",
    "Toggle show closest data on hover": "切换悬停时显示最近的数据",
    "Turntable rotation": "转盘旋转",
    "Zoom": "缩放",
    "Zoom in": "放大",
    "Zoom out": "缩小",
    "close:": "收：", "high:": "高：", "low:": "低：", "open:": "开：",
    "incoming flow count:": "流入：", "outgoing flow count:": "流出：", "source:": "来源：", "target:": "目标：",
    "lat:": "纬度：", "lon:": "经度：", "max:": "最大值：", "mean:": "平均值：", "median:": "中位数：",
    "min:": "最小值：", "q1:": "下四分位数：", "q3:": "上四分位数：", "trace": "数据系列",
}

FORMAT = {
    "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    "months": ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
    "shortMonths": [f"{m}月" for m in range(1, 13)],
    "date": "%Y-%m-%d",
    "decimal": ".",
    "thousands": ",",
}


def chart_config(**extra) -> dict:
    """A plotly config that draws the chart in Chinese (mode bar, messages, month names)."""
    return {"locale": LOCALE, "locales": {LOCALE: {"dictionary": DICTIONARY, "format": FORMAT}}, **extra}
