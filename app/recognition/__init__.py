"""Recognition: 山西脱贫攻坚青年先锋 nominations and the hours rankings."""
