-- Run once by the mysql image when its data volume is first created
-- (/docker-entrypoint-initdb.d). Practice mode (练习) gives each trainee a
-- sandbox database named orderhub_practice_<12 hex digits> that orderhub
-- creates on the trainee's first 练习; the image's MYSQL_USER only has
-- rights on MYSQL_DATABASE, so grant it those names too (docs/moving-in.md §6).
GRANT ALL PRIVILEGES ON `orderhub\_practice\_%`.* TO 'orderhub'@'%';
