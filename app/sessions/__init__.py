"""Sessions: youth night schools (青年夜校流动教学点) and lecture halls (青年讲习所)."""
